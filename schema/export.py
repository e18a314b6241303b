"""Writes the schema in SDL: `python -m schema.export > schema.graphql` (tests fail on drift)."""

from schema import default_schema

if __name__ == "__main__":
    print(default_schema().as_str())
