"""Reading the raw Movies Dataset files the obvious way (csv + ast.literal_eval), so tests can
compute expected values independently of the ingest's fast parser."""

from __future__ import annotations

import ast
import csv
from functools import cache
from pathlib import Path
from typing import Any


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def movies(folder: Path) -> dict[int, dict[str, Any]]:
    """The first row of each integer id with a title, JSON-like columns evaluated."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows(folder / "movies_metadata.csv"):
        if row["id"].isdigit() and row["title"] and int(row["id"]) not in found:
            parsed: dict[str, Any] = dict(row)
            for column in ("genres", "production_companies", "production_countries", "spoken_languages", "belongs_to_collection"):
                parsed[column] = ast.literal_eval(row[column]) if row[column] else None
            found[int(row["id"])] = parsed
    return found


@cache
def credits(folder: Path) -> dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """(cast, crew) of each catalogue movie, from its first credits row."""
    known = movies(folder)
    found: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for row in rows(folder / "credits.csv"):
        movie_id = int(row["id"])
        if movie_id in known and movie_id not in found:
            found[movie_id] = (ast.literal_eval(row["cast"]), ast.literal_eval(row["crew"]))
    return found


def amount(movie: dict[str, Any], column: str) -> int | None:
    """Budget or revenue; 0 means unknown."""
    value = int(float(movie[column] or 0))
    return value or None


def shared_numbers(folder: Path) -> list[int]:
    """The TMDB numbers that are a movie's, a production company's and a credited person's at once."""
    found = movies(folder)
    companies = {company["id"] for movie in found.values() for company in movie["production_companies"] or ()}
    people = {credit["id"] for cast, crew in credits(folder).values() for credit in [*cast, *crew]}
    return sorted(set(found) & companies & people)
