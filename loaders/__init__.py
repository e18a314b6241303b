"""Everything a request reads or writes: per-request DataLoaders over the catalogue (build a
fresh `Loaders` for every request) and the SQL they batch, the live-ratings writer, the runtime a
server holds (runtime.py), and the recommender service both doors call (recommender.py).

The only package whose code runs SQL at request time. May import ml/ and data/; never schema/ or
api/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Generic

from strawberry.dataloader import DataLoader

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


@dataclass(frozen=True)
class EntityLoaders(Generic[R, K]):
    """Batched access to one kind of entity: by id, per movie, success figures, its movies."""

    entity: Entity[R, K]
    by_id: DataLoader[K, R | None]
    by_movie: DataLoader[int, list[R]]
    stats: DataLoader[K, Stats]
    movies: DataLoader[MovieKey, list[MovieRow]]  # with the parent's id and the movie's position

    @classmethod
    def create(cls, db: Database, entity: Entity[R, K]) -> EntityLoaders[R, K]:
        return cls(
            entity=entity,
            by_id=TurnTakingLoader(partial(entities.select_by_ids, db, entity)),
            by_movie=TurnTakingLoader(partial(entities.select_by_movies, db, entity)),
            stats=TurnTakingLoader(partial(entities.select_stats, db, entity)),
            movies=TurnTakingLoader(partial(entities.select_movies, db, entity)),
        )


@dataclass(frozen=True)
class Loaders:
    db: Database
    movie: DataLoader[int, MovieRow | None]
    movielens_id: DataLoader[int, int | None]
    ml100k_id: DataLoader[int, int | None]
    person: DataLoader[int, PersonRow | None]
    cast: DataLoader[CastKey, list[CastRow]]
    crew: DataLoader[CrewKey, list[CrewRow]]
    cast_credits: DataLoader[CreditsKey, list[CastCreditRow]]
    crew_credits: DataLoader[CrewCreditsKey, list[CrewCreditRow]]
    person_movie_count: DataLoader[int, int]
    company: EntityLoaders[CompanyRow, int]
    collection: EntityLoaders[CollectionRow, int]
    director: EntityLoaders[PersonRow, int]
    genre: EntityLoaders[GenreRow, int]
    country: EntityLoaders[CountryRow, str]
    language: EntityLoaders[LanguageRow, str]
    spoken_language: EntityLoaders[LanguageRow, str]
    keyword: EntityLoaders[KeywordRow, int]
    rating_count: DataLoader[int, int]

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            db=db,
            movie=TurnTakingLoader(partial(select_movies_by_ids, db)),
            movielens_id=TurnTakingLoader(partial(select_source_ids, db, "movielens")),
            ml100k_id=TurnTakingLoader(partial(select_source_ids, db, "ml-100k")),
            person=TurnTakingLoader(partial(people.select_people_by_ids, db)),
            cast=TurnTakingLoader(partial(people.select_cast, db)),
            crew=TurnTakingLoader(partial(people.select_crew, db)),
            cast_credits=TurnTakingLoader(partial(people.select_cast_credits, db)),
            crew_credits=TurnTakingLoader(partial(people.select_crew_credits, db)),
            person_movie_count=TurnTakingLoader(partial(people.select_movie_counts, db)),
            company=EntityLoaders.create(db, entities.COMPANY),
            collection=EntityLoaders.create(db, entities.COLLECTION),
            director=EntityLoaders.create(db, entities.DIRECTOR),
            genre=EntityLoaders.create(db, entities.GENRE),
            country=EntityLoaders.create(db, entities.COUNTRY),
            language=EntityLoaders.create(db, entities.LANGUAGE),
            spoken_language=EntityLoaders.create(db, entities.SPOKEN_LANGUAGE),
            keyword=EntityLoaders.create(db, entities.KEYWORD),
            rating_count=TurnTakingLoader(partial(users.select_rating_counts, db)),
        )
