"""What every reader shares: opening a raw file (plain or gzipped) and counting rows by outcome."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# Credits rows hold whole cast lists in one field, far over csv's 128 KB default.
csv.field_size_limit(sys.maxsize)


@dataclass
class FileReport:
    """Rows of one raw file: read = loaded + rejected (by reason)."""

    name: str
    read: int = 0
    loaded: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1

    def summary(self) -> str:
        reasons = ", ".join(f"{n:,} {reason}" for reason, n in self.rejected.most_common())
        rejected = sum(self.rejected.values())
        text = f"{self.name}: {self.read:,} read, {self.loaded:,} loaded, {rejected:,} rejected"
        return f"{text} ({reasons})" if reasons else text


def find_file(directory: Path, name: str) -> Path | None:
    """`name` in `directory`, or its gzipped twin `name.gz` (the shipped sample is gzipped)."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def open_text(path: Path, encoding: str = "utf-8") -> TextIO:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def read_csv_rows(path: Path, report: FileReport, encoding: str = "utf-8") -> Iterator[dict[str, str]]:
    """Rows as dicts keyed by the header; rows with the wrong number of fields are rejected."""
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for row in reader:
            report.read += 1
            if len(row) != width:
                report.reject("wrong number of columns")
                continue
            yield dict(zip(header, row, strict=True))


def parse_int(text: str) -> int | None:
    """An integer written as "42" or "42.0"; None for "" and anything else."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
