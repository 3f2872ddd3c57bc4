"""Partner matching: which other councils work on problems like this one, and why.

`concepts` turns text into weighted concepts (stems, with council synonyms folded together);
`retrieval` finds the records that share them in the search index; `evidence` holds the small
pure functions for the other kinds of evidence; `scorer` combines them into ranked, explained
suggestions. The service (`pipeline.services.discovery.matching`) wires them to the database.
"""
