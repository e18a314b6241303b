"""The bottom layer: SQLModel tables, readers for the raw datasets, ingest (CSV -> SQLite), the
shipped sample, the error tree every layer raises (errors.py) and the domain rules both doors
share (domain.py: ids, the star scale, request bounds).

Imports no other moviegraph package."""
