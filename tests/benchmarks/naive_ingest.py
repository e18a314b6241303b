"""The naive baseline ingest the product's is measured against, written as the old pandas API did it.

One process: `pandas.read_csv` of each file, `ast.literal_eval` of every Python-literal cell, the
lists exploded into one DataFrame per table, each written with `DataFrame.to_sql` into a fresh
SQLite file, then indexes on the join columns. It keeps the first row of a repeated id, drops rows
whose id is not an integer, and keeps only credits, keywords, links and ratings of loaded movies.
Unlike the product it builds no folded `*_key` columns and no full-text index.
"""

from __future__ import annotations

import ast
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd

INDEXES = {
    "movies": ["id", "collection_id"],
    "collections": ["id"],
    "genres": ["id"],
    "movie_genres": ["movie_id", "genre_id"],
    "companies": ["id"],
    "movie_companies": ["movie_id", "company_id"],
    "countries": ["iso_3166_1"],
    "movie_countries": ["movie_id", "country_id"],
    "languages": ["iso_639_1"],
    "movie_languages": ["movie_id", "language_id"],
    "people": ["id"],
    "cast": ["movie_id", "person_id"],
    "crew": ["movie_id", "person_id"],
    "keywords": ["id"],
    "movie_keywords": ["movie_id", "keyword_id"],
    "movielens_links": ["movielens_id", "movie_id"],
    "ratings": ["user_id", "movie_id"],
}


def _literal(cell: object) -> Any:
    return ast.literal_eval(cell) if isinstance(cell, str) else None


def _explode(movie_ids: pd.Series, cells: pd.Series) -> pd.DataFrame:
    """One row per dict in the list-valued `cells`, its keys as columns, after a `movie_id` column."""
    pairs = pd.DataFrame({"movie_id": movie_ids, "item": cells.map(_literal)}).explode("item")
    pairs = pairs.dropna(subset=["item"])
    items = pd.DataFrame(pairs["item"].tolist())
    items.insert(0, "movie_id", pairs["movie_id"].to_numpy())
    return items


def _split(long: pd.DataFrame, key: str, link_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The distinct entities of an exploded frame and its (movie_id, entity) link rows."""
    entities = long.drop(columns="movie_id").drop_duplicates(key)
    links = long[["movie_id", key]].drop_duplicates().rename(columns={key: link_column})
    return entities, links


def _by_movie(frame: pd.DataFrame, movie_ids: pd.Series) -> pd.DataFrame:
    return frame[frame["id"].isin(movie_ids)].drop_duplicates("id")


def naive_ingest(src: Path, db: Path, ratings_file: str = "ratings_small.csv") -> dict[str, int]:
    """Load the Movies Dataset files in `src` into a new SQLite file `db`, the ratings from
    `ratings_file` (ratings.csv: the full 26M); rows written per table."""
    meta = pd.read_csv(src / "movies_metadata.csv", low_memory=False)
    meta = meta[meta["id"].astype(str).str.fullmatch(r"[0-9]+")]
    meta = meta.assign(id=meta["id"].astype("int64")).drop_duplicates("id")
    collection = meta["belongs_to_collection"].map(_literal)
    collection_id = collection.map(lambda c: c["id"] if isinstance(c, dict) else None)
    released = pd.to_datetime(meta["release_date"], format="%Y-%m-%d", errors="coerce")
    movies = pd.DataFrame(
        {
            "id": meta["id"],
            "imdb_id": meta["imdb_id"],
            "title": meta["title"],
            "original_title": meta["original_title"],
            "original_language": meta["original_language"],
            "overview": meta["overview"],
            "tagline": meta["tagline"],
            "release_date": released.dt.strftime("%Y-%m-%d"),
            "year": released.dt.year.astype("Int64"),
            "runtime": pd.to_numeric(meta["runtime"], errors="coerce"),
            "budget": pd.to_numeric(meta["budget"], errors="coerce").where(lambda s: s > 0).astype("Int64"),
            "revenue": pd.to_numeric(meta["revenue"], errors="coerce").where(lambda s: s > 0).astype("Int64"),
            "popularity": pd.to_numeric(meta["popularity"], errors="coerce"),
            "vote_average": pd.to_numeric(meta["vote_average"], errors="coerce"),
            "vote_count": pd.to_numeric(meta["vote_count"], errors="coerce").astype("Int64"),
            "status": meta["status"],
            "adult": meta["adult"].astype(str) == "True",
            "video": meta["video"].astype(str) == "True",
            "homepage": meta["homepage"],
            "poster_path": meta["poster_path"],
            "collection_id": collection_id.astype("Int64"),
        }
    )
    collections = pd.DataFrame([c for c in collection if isinstance(c, dict)]).drop_duplicates("id")
    genres, movie_genres = _split(_explode(meta["id"], meta["genres"]), "id", "genre_id")
    companies, movie_companies = _split(
        _explode(meta["id"], meta["production_companies"]), "id", "company_id"
    )
    countries, movie_countries = _split(
        _explode(meta["id"], meta["production_countries"]), "iso_3166_1", "country_id"
    )
    languages, movie_languages = _split(
        _explode(meta["id"], meta["spoken_languages"]), "iso_639_1", "language_id"
    )

    credits = _by_movie(pd.read_csv(src / "credits.csv"), movies["id"])
    cast_long = _explode(credits["id"], credits["cast"])
    crew_long = _explode(credits["id"], credits["crew"])
    people = pd.concat([cast_long, crew_long])[["id", "name", "gender", "profile_path"]]
    people = people.drop_duplicates("id")
    cast = cast_long[["movie_id", "id", "character", "order"]].rename(columns={"id": "person_id"})
    crew = crew_long[["movie_id", "id", "job", "department"]].rename(columns={"id": "person_id"})

    keyword_rows = _by_movie(pd.read_csv(src / "keywords.csv"), movies["id"])
    keywords, movie_keywords = _split(
        _explode(keyword_rows["id"], keyword_rows["keywords"]), "id", "keyword_id"
    )

    links = pd.read_csv(src / "links.csv").dropna(subset=["tmdbId"])
    links = links.assign(tmdbId=links["tmdbId"].astype("int64"))
    links = links[links["tmdbId"].isin(movies["id"])]
    movielens_links = links.rename(columns={"movieId": "movielens_id", "tmdbId": "movie_id"})[
        ["movielens_id", "movie_id"]
    ]
    ratings = (
        pd.read_csv(src / ratings_file)
        .merge(movielens_links, left_on="movieId", right_on="movielens_id")
        .rename(columns={"userId": "user_id"})[["user_id", "movie_id", "rating", "timestamp"]]
        .drop_duplicates(["user_id", "movie_id"])
    )

    tables = {
        "movies": movies,
        "collections": collections,
        "genres": genres,
        "movie_genres": movie_genres,
        "companies": companies,
        "movie_companies": movie_companies,
        "countries": countries,
        "movie_countries": movie_countries,
        "languages": languages,
        "movie_languages": movie_languages,
        "people": people,
        "cast": cast,
        "crew": crew,
        "keywords": keywords,
        "movie_keywords": movie_keywords,
        "movielens_links": movielens_links,
        "ratings": ratings,
    }
    db.unlink(missing_ok=True)
    with closing(sqlite3.connect(db)) as con:
        for name, frame in tables.items():
            frame.to_sql(name, con, index=False)
        for name, columns in INDEXES.items():
            for column in columns:
                con.execute(f'CREATE INDEX "ix_{name}_{column}" ON "{name}" ("{column}")')
        con.commit()
    return {name: len(frame) for name, frame in tables.items()}
