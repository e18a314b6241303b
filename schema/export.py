"""Writes the schema in SDL: `python -m schema.export > schema.graphql` (tests fail on drift)."""

from schema import schema

if __name__ == "__main__":
    print(schema.as_str())
