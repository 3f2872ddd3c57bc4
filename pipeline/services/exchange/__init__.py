"""Exchange: records in and out as files (JSON, JSON Lines, CSV, publiccode.yml, the national
council list), bounded, and with every problem named by its line."""
