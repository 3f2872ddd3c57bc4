"""Council vocabulary: different words for the same thing, folded into one concept when matching.

Each group lists phrases that name the same thing in council work; a record that uses any of
them shares the concept. Groups are for true equivalents (an abbreviation and its expansion,
the everyday word and the service name), not for related topics: "damp" and "mould" stay apart.
"""

from __future__ import annotations

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("bins", "bin collection", "waste collection", "refuse collection", "rubbish collection"),
    ("repairs", "maintenance", "responsive repairs"),
    ("ehcp", "education health and care plan", "education health care plan"),
    ("asb", "antisocial behaviour", "anti-social behaviour", "anti social behaviour"),
    ("fly-tipping", "flytipping", "fly tipping", "illegal dumping"),
    ("council tax", "ctax"),
    ("dfg", "disabled facilities grant"),
    ("hmo", "house in multiple occupation", "houses in multiple occupation"),
    ("pothole", "road defect", "highway defect", "carriageway defect"),
    ("uprn", "unique property reference number"),
    ("blue badge", "disabled parking permit"),
    ("housing register", "housing waiting list", "social housing waiting list", "housing allocations"),
    ("rough sleeping", "street homelessness", "rough sleepers"),
    ("temporary accommodation", "emergency accommodation"),
    ("foi", "freedom of information"),
    ("ai", "artificial intelligence", "machine learning"),
    ("rpa", "robotic process automation"),
    ("crm", "customer relationship management"),
    ("iot", "internet of things"),
    ("webchat", "web chat", "live chat", "chatbot", "virtual assistant"),
    ("electoral registration", "voter registration", "register to vote"),
    ("planning application", "development management"),
    ("school admissions", "school places", "school applications"),
    ("adult social care", "asc"),
    ("children's social care", "csc"),
    ("cctv", "surveillance cameras"),
    ("noise complaint", "noise nuisance"),
    ("gis", "geographic information system"),
    ("lidar", "light detection and ranging"),
)

# Everyday English words that carry no topic (beyond the few the search analyzer drops).
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    """
    about above across after again against all almost alone along already although always am
    among an and another any anyone anything anywhere are around as ask asked at away back be
    became because become been before being below between both but by can cannot could did do
    does doing done down during each either else enough even ever every few find first for
    found from further get gets give go going got had has have having her here hers him his how
    however if in into is it its itself just keep know known last least less like likely long
    made many may me might more most much must my never next no nobody none nor not nothing now
    of off often on once one only or other others our out over own part per perhaps put quite
    rather really said same see seem seen several shall she should show since so some someone
    something sometimes still such take taken than that the their them then there these they
    thing things this those though through thus to together told too took toward under until up
    upon us very via was we well were what whatever when where whether which while who whole
    whom whose why will with within without would yet you your
    """.split()  # noqa: SIM905
)
