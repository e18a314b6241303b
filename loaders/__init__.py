"""Everything a request reads or writes: per-request DataLoaders over the catalogue (build a
fresh `Loaders` for every request) and the SQL they batch, the live-ratings writer, the runtime a
server holds (runtime.py), and the recommender service both doors call (recommender.py).

The only package whose code runs SQL at request time. May import ml/ and data/; never schema/ or
api/."""

from __future__ import annotations

from functools import cached_property, partial
from typing import Generic

from loaders import entities, people, users
from loaders._common import Database
from loaders.entities import Entity, K, MovieKey, R, Stats
from loaders.movies import select_movies_by_ids
from loaders.people import CastKey, CreditsKey, CrewCreditsKey, CrewKey
from loaders.rows import (
    CastCreditRow,
    CastRow,
    CollectionRow,
    CompanyRow,
    CountryRow,
    CrewCreditRow,
    CrewRow,
    GenreRow,
    KeywordRow,
    LanguageRow,
    MovieRow,
    PersonRow,
)
from loaders.source_ids import select_source_ids
from loaders.turns import TurnTakingLoader


class EntityLoaders(Generic[R, K]):
    """Batched access to one kind of entity: by id, per movie, success figures, its movies. Each
    loader is made on first use: a request reads a few of a `Loaders`' 40."""

    def __init__(self, db: Database, entity: Entity[R, K]) -> None:
        self.db = db
        self.entity: Entity[R, K] = entity

    @cached_property
    def by_id(self) -> TurnTakingLoader[K, R | None]:
        return TurnTakingLoader(partial(entities.select_by_ids, self.db, self.entity))

    @cached_property
    def by_movie(self) -> TurnTakingLoader[int, list[R]]:
        return TurnTakingLoader(partial(entities.select_by_movies, self.db, self.entity))

    @cached_property
    def stats(self) -> TurnTakingLoader[K, Stats]:
        return TurnTakingLoader(partial(entities.select_stats, self.db, self.entity))

    @cached_property
    def movies(self) -> TurnTakingLoader[MovieKey, list[MovieRow]]:  # with the parent's id and the movie's position
        return TurnTakingLoader(partial(entities.select_movies, self.db, self.entity))


class Loaders:
    """One request's loaders over `db`, each made when a field first reads through it (making all
    of them cost some 40 DataLoaders per request, most never used)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def movie(self) -> TurnTakingLoader[int, MovieRow | None]:
        return TurnTakingLoader(partial(select_movies_by_ids, self.db))

    @cached_property
    def movielens_id(self) -> TurnTakingLoader[int, int | None]:
        return TurnTakingLoader(partial(select_source_ids, self.db, "movielens"))

    @cached_property
    def ml100k_id(self) -> TurnTakingLoader[int, int | None]:
        return TurnTakingLoader(partial(select_source_ids, self.db, "ml-100k"))

    @cached_property
    def person(self) -> TurnTakingLoader[int, PersonRow | None]:
        return TurnTakingLoader(partial(people.select_people_by_ids, self.db))

    @cached_property
    def cast(self) -> TurnTakingLoader[CastKey, list[CastRow]]:
        return TurnTakingLoader(partial(people.select_cast, self.db))

    @cached_property
    def crew(self) -> TurnTakingLoader[CrewKey, list[CrewRow]]:
        return TurnTakingLoader(partial(people.select_crew, self.db))

    @cached_property
    def cast_credits(self) -> TurnTakingLoader[CreditsKey, list[CastCreditRow]]:
        return TurnTakingLoader(partial(people.select_cast_credits, self.db))

    @cached_property
    def crew_credits(self) -> TurnTakingLoader[CrewCreditsKey, list[CrewCreditRow]]:
        return TurnTakingLoader(partial(people.select_crew_credits, self.db))

    @cached_property
    def person_movie_count(self) -> TurnTakingLoader[int, int]:
        return TurnTakingLoader(partial(people.select_movie_counts, self.db))

    @cached_property
    def rating_count(self) -> TurnTakingLoader[int, int]:
        return TurnTakingLoader(partial(users.select_rating_counts, self.db))

    @cached_property
    def company(self) -> EntityLoaders[CompanyRow, int]:
        return EntityLoaders(self.db, entities.COMPANY)

    @cached_property
    def collection(self) -> EntityLoaders[CollectionRow, int]:
        return EntityLoaders(self.db, entities.COLLECTION)

    @cached_property
    def director(self) -> EntityLoaders[PersonRow, int]:
        return EntityLoaders(self.db, entities.DIRECTOR)

    @cached_property
    def genre(self) -> EntityLoaders[GenreRow, int]:
        return EntityLoaders(self.db, entities.GENRE)

    @cached_property
    def country(self) -> EntityLoaders[CountryRow, str]:
        return EntityLoaders(self.db, entities.COUNTRY)

    @cached_property
    def language(self) -> EntityLoaders[LanguageRow, str]:
        return EntityLoaders(self.db, entities.LANGUAGE)

    @cached_property
    def spoken_language(self) -> EntityLoaders[LanguageRow, str]:
        return EntityLoaders(self.db, entities.SPOKEN_LANGUAGE)

    @cached_property
    def keyword(self) -> EntityLoaders[KeywordRow, int]:
        return EntityLoaders(self.db, entities.KEYWORD)
