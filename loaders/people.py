"""Credits: a movie's cast (first n by billing) and crew (optionally one job), a person's credits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from data.tables import Cast, Crew, Movie, Person
from loaders._common import fetch, many_per_key, one_per_key

CastKey = tuple[int, int]  # (movie id, first n by billing order)
CrewKey = tuple[int, str | None]  # (movie id, job or None for all)
_PERSON = (col(Person.id).label("person_id"), Person.name, Person.gender, Person.profile_path)


async def select_cast(engine: AsyncEngine, keys: Sequence[CastKey]) -> list[list[Any]]:
    # Whole casts in billing order (read off the (movie_id, order) index), cut to n in Python:
    # three times faster here than ranking with a window function in SQL.
    statement = (
        select(Cast.movie_id, Cast.character, col(Cast.order), *_PERSON)
        .join(Person, col(Person.id) == Cast.person_id)
        .where(col(Cast.movie_id).in_({movie for movie, _ in keys}))
        .order_by(col(Cast.movie_id), col(Cast.order), col(Cast.id))
    )
    groups = many_per_key(await fetch(engine, statement), [movie for movie, _ in keys], lambda row: row.movie_id)
    return [group[:n] for group, (_, n) in zip(groups, keys)]


async def select_crew(engine: AsyncEngine, keys: Sequence[CrewKey]) -> list[list[Any]]:
    statement = (
        select(Crew.movie_id, Crew.job, Crew.department, *_PERSON)
        .join(Person, col(Person.id) == Crew.person_id)
        .where(col(Crew.movie_id).in_({movie for movie, _ in keys}))
        .order_by(col(Crew.department), col(Crew.job), col(Person.name_key), col(Crew.id))
    )
    groups = many_per_key(await fetch(engine, statement), [movie for movie, _ in keys], lambda row: row.movie_id)
    return [[row for row in group if job is None or row.job == job] for group, (_, job) in zip(groups, keys)]


_NEWEST = (col(Movie.release_date).is_(None), col(Movie.release_date).desc(), col(Movie.id))


async def _credits(engine: AsyncEngine, link: type[Cast] | type[Crew], columns: Sequence[Any], person_ids: Sequence[int]) -> list[list[Any]]:
    statement = (
        select(Movie, link.person_id, *columns)
        .join(link, col(link.movie_id) == Movie.id)
        .where(col(link.person_id).in_(person_ids))
        .order_by(*_NEWEST)
    )
    return many_per_key(await fetch(engine, statement), person_ids, lambda row: row.person_id)


async def select_cast_credits(engine: AsyncEngine, person_ids: Sequence[int]) -> list[list[Any]]:
    """Each person's cast credits with the movie's columns, newest movie first."""
    return await _credits(engine, Cast, (Cast.character, col(Cast.order)), person_ids)


async def select_crew_credits(engine: AsyncEngine, person_ids: Sequence[int]) -> list[list[Any]]:
    """Each person's crew credits with the movie's columns, newest movie first."""
    return await _credits(engine, Crew, (Crew.job, Crew.department), person_ids)


async def select_people_by_ids(engine: AsyncEngine, ids: Sequence[int]) -> list[Any]:
    rows = await fetch(engine, select(Person).where(col(Person.id).in_(ids)))
    return one_per_key(rows, ids, lambda row: row.id)
