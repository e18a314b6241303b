"""MovieLens ratings files read as numpy columns, a block of lines at a time: the 26M-row path.

Every MovieLens release writes its ratings as four numbers a line (user, movie, rating,
timestamp): ratings.csv with a header (ratings_small, ml-20m and later, ml-latest) or ratings.dat
separated by "::" (ml-1m, ml-10m). Parsing them row by row in Python costs ~3 us a row, 80 s for
The Movies Dataset's full ratings.csv; here pandas' C parser reads a block of ~8 MB of lines at
once and the checks are vectorised. A block the fast parser refuses (a wrong number of fields, a
word where a number goes) is read again line by line, so a messy row is rejected with its reason
as `movies_dataset.read_ratings` would, and never stops the file.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import numpy.typing as npt

from data.domain import STARS_MAX, STARS_MIN, STARS_STEP
from data.errors import IngestError
from data.readers._common import FileReport

CSV_HEADER = ("userId", "movieId", "rating", "timestamp")
BLOCK_BYTES = 8 << 20
# Ids and timestamps are stored as int64 in SQLite; these bounds keep them in the arrays' dtypes.
_MAX_ID = 2**31 - 1
_MAX_STAMP = 2**32 - 1
_BAD_ID = "bad id or timestamp"
_BAD_STARS = "rating not in 0.5..5 by 0.5"
_WIDTH = "wrong number of columns"


@dataclass(frozen=True)
class RatingColumns:
    """Aligned columns of one block: int32 users and source items, float32 ratings, uint32 stamps."""

    users: npt.NDArray[np.int32]
    items: npt.NDArray[np.int32]
    ratings: npt.NDArray[np.float32]
    stamps: npt.NDArray[np.uint32]

    def __len__(self) -> int:
        return len(self.users)

    def where(self, mask: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> RatingColumns:
        """The rows a boolean mask keeps, or those an index array picks, in its order."""
        return RatingColumns(self.users[mask], self.items[mask], self.ratings[mask], self.stamps[mask])

    @classmethod
    def concatenate(cls, blocks: list[RatingColumns]) -> RatingColumns:
        """One set of columns from `blocks` (which it empties, freeing them)."""
        columns = []
        for name in ("users", "items", "ratings", "stamps"):
            columns.append(np.concatenate([getattr(block, name) for block in blocks]) if blocks else np.empty(0))
        blocks.clear()
        return cls(columns[0].astype(np.int32, copy=False), columns[1].astype(np.int32, copy=False),
                   columns[2].astype(np.float32, copy=False), columns[3].astype(np.uint32, copy=False))


def _open_binary(path: Path) -> BinaryIO:
    return cast(BinaryIO, gzip.open(path, "rb")) if path.suffix == ".gz" else open(path, "rb")


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """Whole lines, about BLOCK_BYTES at a time."""
    rest = b""
    while chunk := handle.read(BLOCK_BYTES):
        cut = chunk.rfind(b"\n")
        if cut < 0:
            rest += chunk
            continue
        yield rest + chunk[: cut + 1]
        rest = chunk[cut + 1 :]
    if rest.strip():
        yield rest


def read_columns(path: Path, report: FileReport, *, separator: str = ",", header: bool = True) -> Iterator[RatingColumns]:
    """The valid ratings of `path` in blocks; `report.read` and its rejections count every row."""
    with _open_binary(path) as handle:
        if header:
            first = handle.readline().decode("utf-8", "replace").strip()
            if tuple(name.strip() for name in first.split(",")) != CSV_HEADER:
                raise IngestError(f"{path} does not start with the MovieLens ratings header {','.join(CSV_HEADER)} (it has {first[:80]!r})")
        for block in _blocks(handle):
            if separator != ",":
                block = block.replace(separator.encode(), b",")
            yield _parse_block(block, report)


def _parse_block(block: bytes, report: FileReport) -> RatingColumns:
    # Imported here: the CLI imports the ingest, and pandas would add ~1 s to every `moviegraph serve` start.
    import pandas as pd

    try:
        table = pd.read_csv(io.BytesIO(block), header=None, names=CSV_HEADER, dtype=np.float64, engine="c",
                            skip_blank_lines=True).to_numpy()
    except (ValueError, pd.errors.ParserError):
        return _parse_lines(block, report)
    if table.shape[1] != 4 or np.isnan(table).any():  # a short row comes back padded with NaN
        return _parse_lines(block, report)
    report.read += len(table)
    return _checked(table, report)


def _checked(table: npt.NDArray[np.float64], report: FileReport) -> RatingColumns:
    """The rows of a (n, 4) float64 table whose ids and stamps are integers in range and whose rating is on the star scale."""
    ids, stamps, stars = table[:, :2], table[:, 3], table[:, 2]
    good_ids = ((ids == np.floor(ids)) & (ids >= 0) & (ids <= _MAX_ID)).all(axis=1)
    good_ids &= (stamps == np.floor(stamps)) & (stamps >= 0) & (stamps <= _MAX_STAMP)
    good_stars = (stars >= STARS_MIN) & (stars <= STARS_MAX) & (stars / STARS_STEP == np.floor(stars / STARS_STEP))
    if bad := int((~good_ids).sum()):
        report.rejected[_BAD_ID] += bad
    if bad := int((good_ids & ~good_stars).sum()):
        report.rejected[_BAD_STARS] += bad
    kept = table[good_ids & good_stars]
    return RatingColumns(kept[:, 0].astype(np.int32), kept[:, 1].astype(np.int32),
                         kept[:, 2].astype(np.float32), kept[:, 3].astype(np.uint32))


def blocks_of(rows: Iterable[tuple[int, int, float, int]], report: FileReport, size: int = 100_000) -> Iterator[RatingColumns]:
    """Rows a row-by-row reader has read and checked (ml-100k's u.data), as columns `size` rows at a
    time; ids beyond the columns' dtypes are rejected into `report`."""
    batch: list[tuple[int, int, float, int]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield _checked(np.array(batch, dtype=np.float64), report)
            batch.clear()
    yield _checked(np.array(batch, dtype=np.float64).reshape(-1, 4), report)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _parse_lines(block: bytes, report: FileReport) -> RatingColumns:
    """The slow path for a block with a malformed line: each line on its own."""
    rows: list[tuple[float, float, float, float]] = []
    for line in block.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        report.read += 1
        fields = line.split(",")
        if len(fields) != 4:
            report.reject(_WIDTH)
            continue
        user, item, stars, stamp = (_number(field) for field in fields)
        if any(np.isnan(value) for value in (user, item, stamp)):
            report.reject(_BAD_ID)
        elif np.isnan(stars):
            report.reject(_BAD_STARS)
        else:
            rows.append((user, item, stars, stamp))
    return _checked(np.array(rows, dtype=np.float64).reshape(-1, 4), report)
