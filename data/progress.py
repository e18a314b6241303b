"""Progress of long work: a tqdm bar on a terminal, one plain line per step anywhere else.

Written to a file or a pipe (a log, `docker logs`), a bar's redraws garble into one line of
carriage returns and cursor-up escapes (`ESC[A`, from the credits worker's second bar), so off a
terminal each step is announced once and the bar stays silent; the summary lines say the rest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, NoReturn, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def on_terminal() -> bool:
    return sys.stderr.isatty()


def _drawn(desc: str, show: bool) -> bool:
    drawn = show and on_terminal()
    if show and not drawn:
        print(f"{desc} ...", file=sys.stderr, flush=True)
    return drawn


def bar(iterable: Iterable[T], *, desc: str, show: bool, **options: Any) -> tqdm[T]:
    """tqdm over `iterable`, drawn only when `show` and stderr is a terminal."""
    return tqdm(iterable, desc=desc, disable=not _drawn(desc, show), leave=False, **options)


def counter(*, desc: str, show: bool, **options: Any) -> tqdm[NoReturn]:
    """A bar the caller advances with `update`, drawn as `bar` is."""
    return tqdm(desc=desc, disable=not _drawn(desc, show), leave=False, **options)


def note(text: str, *, show: bool) -> None:
    """One plain line of a long step's progress off a terminal (an epoch of a 20-minute training);
    on a terminal the bar shows it."""
    if show and not on_terminal():
        print(text, file=sys.stderr, flush=True)
