"""What the query asks of the field being resolved, so its resolver can load it in one batch."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info


def selects(info: Info, name: str) -> bool:
    """Whether any selection of this field asks for subfield `name` (its GraphQL name), directly or
    in a fragment; @include/@skip are not evaluated (a skipped field is loaded for nothing)."""
    return any(_selects(field.selections, name) for field in info.selected_fields)


def _selects(selections: Iterable[Selection], name: str) -> bool:
    return any(selection.name == name if isinstance(selection, SelectedField) else _selects(selection.selections, name)
               for selection in selections)
