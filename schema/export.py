"""Writes the schema in SDL, `python -m schema.export > schema.graphql`, or its possible types,
`python -m schema.export --possible-types > possible-types.json` (tests fail on drift of either)."""

import sys

from schema import default_schema
from schema.possible_types import possible_types_json

if __name__ == "__main__":
    print(possible_types_json(default_schema()._schema) if sys.argv[1:] == ["--possible-types"] else default_schema().as_str())
