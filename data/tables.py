"""SQLModel tables of the catalogue; ids are the source's own (TMDB ids for movies and people).

Many-to-many relations have a link table each. Text a person types is matched through a `*_key`
column (casefolded, accents stripped; see `data.text.fold`), so lookups stay index-backed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

DIRECTOR_JOB = "Director"  # the crew job that makes a person one of a movie's directors


class Collection(SQLModel, table=True):
    """A franchise (TMDB `belongs_to_collection`)."""

    id: int = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)
    poster_path: str | None = None
    backdrop_path: str | None = None


class Movie(SQLModel, table=True):
    """A TMDB movie; unknown budget/revenue (0 in the source) are stored as NULL."""

    id: int = Field(primary_key=True)
    imdb_id: str | None = Field(default=None, index=True)
    title: str
    title_key: str = Field(index=True)
    original_title: str | None = None
    original_language: str | None = Field(default=None, index=True)
    overview: str | None = None
    tagline: str | None = None
    release_date: dt.date | None = Field(default=None, index=True)
    year: int | None = Field(default=None, index=True)
    runtime: float | None = Field(default=None, index=True)  # the runtime range filter
    budget: int | None = Field(default=None, index=True)
    revenue: int | None = Field(default=None, index=True)
    popularity: float | None = Field(default=None, index=True)
    vote_average: float | None = Field(default=None, index=True)
    vote_count: int | None = Field(default=None, index=True)
    status: str | None = None
    adult: bool = False
    video: bool = False
    homepage: str | None = None
    poster_path: str | None = None
    collection_id: int | None = Field(default=None, foreign_key="collection.id", index=True)


class Genre(SQLModel, table=True):
    id: int = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)


class Company(SQLModel, table=True):
    """A production company."""

    id: int = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)


class Country(SQLModel, table=True):
    """A production country by ISO 3166-1 alpha-2 code."""

    iso_3166_1: str = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)


class Language(SQLModel, table=True):
    """A spoken language by ISO 639-1 code; `name` is English, `native_name` as TMDB gives it."""

    iso_639_1: str = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)
    native_name: str | None = None


class Keyword(SQLModel, table=True):
    id: int = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)


class Person(SQLModel, table=True):
    """Anyone credited in cast or crew (TMDB person id)."""

    id: int = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)
    gender: int | None = None
    profile_path: str | None = None


class PersonMovies(SQLModel, table=True):
    """How many distinct movies a person is credited on, in the cast or the crew: counted once at
    ingest (PERSON_MOVIES_FILL), as `people(name:)` ranks by it and counting per request took
    seconds for a one-letter prefix on the full-size catalogue."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    movie_count: int


class GroupStats(SQLModel, table=True):
    """Each group's movie count and success figures (data/movie_groups.py), counted once at ingest.
    `kind` names the membership; `parent_id` is the group's id as text (a number, or the ISO code
    of a country or language)."""

    kind: str = Field(primary_key=True)
    parent_id: str = Field(primary_key=True)
    movie_count: int
    total_revenue: int | None = None
    total_budget: int | None = None
    average_revenue: float | None = None
    average_return: float | None = None


class MovieGenre(SQLModel, table=True):
    movie_id: int = Field(foreign_key="movie.id", primary_key=True)
    genre_id: int = Field(foreign_key="genre.id", primary_key=True, index=True)


class MovieCompany(SQLModel, table=True):
    movie_id: int = Field(foreign_key="movie.id", primary_key=True)
    company_id: int = Field(foreign_key="company.id", primary_key=True, index=True)


class MovieCountry(SQLModel, table=True):
    movie_id: int = Field(foreign_key="movie.id", primary_key=True)
    country_id: str = Field(foreign_key="country.iso_3166_1", primary_key=True, index=True)


class MovieLanguage(SQLModel, table=True):
    movie_id: int = Field(foreign_key="movie.id", primary_key=True)
    language_id: str = Field(foreign_key="language.iso_639_1", primary_key=True, index=True)


class MovieKeyword(SQLModel, table=True):
    movie_id: int = Field(foreign_key="movie.id", primary_key=True)
    keyword_id: int = Field(foreign_key="keyword.id", primary_key=True, index=True)


class Cast(SQLModel, table=True):
    """One cast credit; `order` is the billing position (0 = top-billed)."""

    # A movie's top-billed cast is read straight off this index, with no sort.
    __table_args__ = (Index("ix_cast_movie_id_order", "movie_id", "order"),)

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(foreign_key="movie.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    character: str | None = None
    order: int


class Crew(SQLModel, table=True):
    """One crew credit (a person can hold several jobs on one movie)."""

    # The crew filter with a job (`crew: [id], crewJob: "Director"`): without it SQLite reads every
    # credit of that job (45,000 Directors at full size) rather than the person's few.
    __table_args__ = (Index("ix_crew_person_id_job", "person_id", "job"),)

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(foreign_key="movie.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    job: str = Field(index=True)
    department: str | None = None


class MovielensLink(SQLModel, table=True):
    """A MovieLens movieId (the numbering of links.csv, ratings_small and ml-latest) and the
    catalogue movie it denotes: the movies dataset's links, updated by the ratings source's own."""

    movielens_id: int = Field(primary_key=True)
    movie_id: int = Field(foreign_key="movie.id", index=True)


class Ml100kLink(SQLModel, table=True):
    """A MovieLens 100K item id (u.item numbering) and the catalogue movie the ingest linked it to;
    filled only when the ratings came from ml-100k. Two items can name one movie (u.item repeats a few)."""

    ml100k_id: int = Field(primary_key=True)
    movie_id: int = Field(foreign_key="movie.id", index=True)


# The ingestinfo key naming the id space (data.domain.IdSpace) of the catalogue's ratings; absent
# in a catalogue built before it was kept.
RATINGS_ID_SPACE = "ratings_id_space"


class User(SQLModel, table=True):
    """A rating user of the ratings source; demographics only where the source has them (ml-100k)."""

    id: int = Field(primary_key=True)
    age: int | None = None
    gender: str | None = None
    occupation: str | None = None
    zip_code: str | None = None


class Rating(SQLModel, table=True):
    """A user's 0.5-5 star rating of a catalogue movie."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    movie_id: int = Field(foreign_key="movie.id", primary_key=True, index=True)
    rating: float
    timestamp: int


class RatingChange(SQLModel, table=True):
    """When a user's ratings last changed through the API: newer than a model's training snapshot,
    the user's vector is re-solved from their stored ratings at request time."""

    user_id: int = Field(primary_key=True)
    changed_at: float = Field(index=True)  # unix seconds; the writer reads the newest on every write


class IngestInfo(SQLModel, table=True):
    """Key/value facts about how the database was built (sources, counts, time)."""

    key: str = Field(primary_key=True)
    value: str


# Whether a catalogue has the live-ratings table: the rating writer adds it to one built before it.
RATING_CHANGES_PRESENT = "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'ratingchange'"
# Whether a catalogue has the people's movie counts (PersonMovies): one ingested before them has not.
PERSON_MOVIES_PRESENT = "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'personmovies'"

# Whether a catalogue has the groups' success figures (GroupStats): one ingested before them has not.
GROUP_STATS_PRESENT = "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'groupstats'"

PERSON_MOVIES_FILL = (
    "INSERT INTO personmovies (person_id, movie_count) SELECT person_id, count(*) FROM "
    '(SELECT person_id, movie_id FROM "cast" UNION SELECT person_id, movie_id FROM crew) GROUP BY person_id'
)

# FTS5 over titles; unicode61 casefolds and `remove_diacritics 2` makes "cuaron" match "Cuarón".
MOVIE_FTS_DDL = (
    "CREATE VIRTUAL TABLE movie_fts USING fts5("
    "title, original_title, content='movie', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')"
)
MOVIE_FTS_FILL = "INSERT INTO movie_fts(movie_fts) VALUES ('rebuild')"
