"""The row types name columns the statements really select (a typo would pass the type checker
and fail only when a resolver reads the column)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from data.tables import Collection, Company, Country, Genre, Keyword, Language, Movie, Person
from loaders import rows
from loaders._common import SQL
from loaders.entities import COLLECTION, _statements
from loaders.people import _CAST, _CAST_CREDITS, _CREW, _CREW_CREDITS
from loaders.ratings import _PAGE


def fields(row_type: type) -> set[str]:
    return {name for klass in row_type.__mro__ for name in getattr(klass, "__annotations__", {})}


def selected(db: Path, sql: SQL) -> set[str]:
    """The column names the statement answers with (run on the sample with every parameter null)."""
    names = {name: None for name in sql.params} | {"keys": "[]"}
    with sqlite3.connect(db) as conn:
        return {d[0] for d in conn.execute(sql.text, {**names, "n": 1, "limit": 1, "offset": 0}).description}


@pytest.mark.parametrize(
    ("row_type", "table"),
    [(rows.MovieRow, Movie), (rows.PersonRow, Person), (rows.GenreRow, Genre), (rows.CompanyRow, Company),
     (rows.KeywordRow, Keyword), (rows.CollectionRow, Collection), (rows.CountryRow, Country), (rows.LanguageRow, Language)],
)
def test_a_table_row_names_every_column_of_its_table(row_type: type, table: type) -> None:
    assert fields(row_type) == {column.name for column in table.__table__.columns}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("row_type", "sql"),
    [(rows.CastRow, _CAST), (rows.CrewRow, _CREW), (rows.CastCreditRow, _CAST_CREDITS), (rows.CrewCreditRow, _CREW_CREDITS),
     (rows.RatingRow, _PAGE), (rows.MovieRow, _statements(COLLECTION).movies("release_date", False))],
)
def test_a_statement_row_names_columns_the_statement_selects(sample_db: Path, row_type: type, sql: SQL) -> None:
    assert fields(row_type) <= selected(sample_db, sql)
