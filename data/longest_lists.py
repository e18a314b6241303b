"""The longest list of each kind one movie has in the catalogue (its genres, companies, keywords...),
measured at ingest and recorded in `ingestinfo`: the query cost charges a list field without
`first` at this length, so that the estimate stays an upper bound on what a query returns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlmodel import col

from data.tables import DIRECTOR_JOB, Crew, MovieCompany, MovieCountry, MovieGenre, MovieKeyword, MovieLanguage

INGEST_INFO_KEY = "longest_lists"


def _longest(movie_id: Any, *where: ColumnElement[bool]) -> ScalarSelect[Any]:
    per_movie = select(func.count().label("n")).select_from(movie_id.table).where(*where).group_by(movie_id).subquery()
    return select(func.coalesce(func.max(per_movie.c.n), 0)).scalar_subquery()


# Each (movie, entity) pair is stored once (link tables' primary keys; the ingest drops repeated
# crew jobs), so a count of rows is the length of the list the API returns.
MEASURED = select(
    _longest(col(MovieGenre.movie_id)).label("genres_per_movie"),
    _longest(col(MovieCompany.movie_id)).label("companies_per_movie"),
    _longest(col(MovieCountry.movie_id)).label("countries_per_movie"),
    _longest(col(MovieLanguage.movie_id)).label("spoken_languages_per_movie"),
    _longest(col(Crew.movie_id), col(Crew.job) == DIRECTOR_JOB).label("directors_per_movie"),
    _longest(col(MovieKeyword.movie_id)).label("keywords_per_movie"),
)
