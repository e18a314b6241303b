"""What the query asks of the field being resolved, so that its resolver can load it in one batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info


def selected(info: Info, *path: str) -> list[SelectedField]:
    """The fields the query selects at `path` below the field being resolved (fragments
    flattened; @include/@skip are not evaluated: a skipped field is loaded for nothing)."""
    level = [field for selection in info.selected_fields for field in _fields(selection.selections)]
    for name in path:
        level = [field for parent in level if parent.name == name for field in _fields(parent.selections)]
    return level


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)
