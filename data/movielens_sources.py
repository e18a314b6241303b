"""The MovieLens ratings sources besides ratings_small: ml-latest-small and MovieLens 100K.

ml-latest-small uses links.csv's movieId numbering, so its ratings map to TMDB ids through its
own links.csv. ml-100k items have a numbering of their own that no links file knows, so they are
linked by title and year: first through ml-latest-small's movies.csv + links.csv (the bridge:
GroupLens spells titles the same way in both releases), then directly against the catalogue's
titles. A link is only made when the match is unique; a wrong link is worse than a missing one.

The bridge goes through the IMDb id of links.csv, not its tmdbId: a few tmdbIds there name
another film (La Promesse, 1996, points at Das Versprechen, 1994), while its IMDb ids are the
ones MovieLens curates. A title the bridge knows is trusted even when the catalogue lacks its
film, so such an item is left unlinked rather than matched to a namesake.

Where things are looked for:
- ml-100k: `movielens` is its directory, its zip, or an http(s) URL of the official zip; by
  default the official URL. Downloads are cached in `downloads/` beside the database.
- ml-latest-small (as a source, when `movielens` is None, and as the ml-100k bridge): a directory
  `ml-latest-small` beside the ml-100k directory or zip, or beside the movies-dataset directory.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from data.database import BulkWriter
from data.download import ML_100K, fetch
from data.errors import IngestError
from data.readers import movielens_100k as ml100k
from data.readers import movielens_latest as latest
from data.readers._common import FileReport
from data.text import fold

ML_LATEST_SMALL = "ml-latest-small"
Rating = tuple[int, int, float, int]


class Catalogue(Protocol):
    """What this module needs of the ingest's catalogue (`data.ingest._Catalogue`)."""

    writer: BulkWriter
    show: bool
    movie_ids: set[int]

    def add(self, table: str, rows: list[tuple[object, ...]], names: list[str] | None = None) -> None: ...

    def map_links(self, path: Path, report: FileReport) -> dict[int, int]: ...

    def load_ratings(self, ratings: Iterable[Rating], report: FileReport, to_movie: dict[int, int]) -> FileReport: ...


def load(
    catalogue: Catalogue,
    source: str,
    movielens: str | None,
    reports: list[FileReport],
    *,
    movies_dataset: Path | None = None,
) -> dict[str, str]:
    """Loads the ratings of `source` (and ml-100k's users); returns facts for the ingest info table."""
    if source == ML_LATEST_SMALL:
        return _load_latest_small(catalogue, _latest_small_directory(movielens, movies_dataset), reports)
    if source == "ml-100k":
        location = _ml100k_location(movielens, catalogue)
        bridge = _find_latest_small([location.parent, movies_dataset.parent if movies_dataset else None])
        return _load_100k(catalogue, location, bridge, reports)
    raise IngestError(f"unknown MovieLens source {source!r}; choose {ML_LATEST_SMALL} or ml-100k")


def _find_latest_small(places: Sequence[Path | None]) -> Path | None:
    for place in places:
        if place is not None and (place / ML_LATEST_SMALL).is_dir():
            return place / ML_LATEST_SMALL
    return None


def _latest_small_directory(movielens: str | None, movies_dataset: Path | None) -> Path:
    if movielens is not None:
        return Path(movielens).expanduser()
    found = _find_latest_small([movies_dataset.parent if movies_dataset else None])
    if found is None:
        raise IngestError(f"no {ML_LATEST_SMALL} directory beside the movies dataset; pass it with --movielens DIR")
    return found


def _ml100k_location(movielens: str | None, catalogue: Catalogue) -> Path:
    """The local ml-100k directory or zip, downloading the official zip for a URL or by default."""
    if movielens is not None and not movielens.startswith(("http://", "https://")):
        path = Path(movielens).expanduser()
        if not path.exists():
            raise IngestError(f"{path} does not exist; give the ml-100k directory, its zip, or a URL (the default is {ML_100K.url})")
        return path
    # The ingest builds its temporary database beside the target, so this is the target's folder.
    cache = catalogue.writer.path.parent / "downloads" / ML_100K.filename
    # Any URL must serve the official release: the checksum is the official one.
    return fetch(movielens or ML_100K.url, cache, ML_100K.sha256, show_progress=catalogue.show)


def _load_latest_small(catalogue: Catalogue, directory: Path, reports: list[FileReport]) -> dict[str, str]:
    links_path, ratings_path = latest.required(directory, "links.csv"), latest.required(directory, "ratings.csv")
    links_report = FileReport(f"{ML_LATEST_SMALL}/links.csv")
    # Not load_links: the movies dataset's links.csv has already filled movielenslink.
    to_movie = catalogue.map_links(links_path, links_report)
    reports.append(links_report)
    ratings_report = FileReport(f"{ML_LATEST_SMALL}/ratings.csv")
    reports.append(catalogue.load_ratings(latest.read_ratings(ratings_path, ratings_report), ratings_report, to_movie))
    return {"movielens": str(directory)}


def _load_100k(catalogue: Catalogue, location: Path, bridge: Path | None, reports: list[FileReport]) -> dict[str, str]:
    users_report = FileReport("ml-100k/u.user")
    users: dict[int, tuple[object, ...]] = {}
    for user in ml100k.read_users(location, users_report):
        if user.id in users:
            users_report.reject("duplicate id")
        else:
            users[user.id] = (user.id, user.age, user.gender, user.occupation, user.zip_code)
            users_report.loaded += 1
    user_ids = set(users)
    # Before the ratings: load_ratings adds bare users only while the user table is still empty.
    catalogue.add("user", list(users.values()), ["id", "age", "gender", "occupation", "zip_code"])
    reports.append(users_report)

    items_report = FileReport("ml-100k/u.item")
    to_movie, bridged = _link_items(catalogue, ml100k.read_items(location, items_report), items_report, bridge)
    reports.append(items_report)

    ratings_report = FileReport("ml-100k/u.data")
    tally = _LinkTally()
    ratings = tally.linked(ml100k.read_ratings(location, ratings_report), ratings_report, user_ids, to_movie)
    reports.append(catalogue.load_ratings(ratings, ratings_report, to_movie))

    return {
        "movielens": str(location),
        "ml100k_bridge": str(bridge) if bridge else "none",
        "ml100k_items": str(items_report.read),
        "ml100k_items_linked": str(items_report.loaded),
        "ml100k_items_linked_via_bridge": str(bridged),
        "ml100k_link_rate": _rate(items_report.loaded, items_report.read),
        "ml100k_ratings": str(tally.total),
        "ml100k_ratings_linked": str(tally.linked_count),
        "ml100k_rating_link_rate": _rate(tally.linked_count, tally.total),
    }


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "0"


class _LinkTally:
    """Counts the ratings of linked items on their way to load_ratings (before duplicates drop)."""

    def __init__(self) -> None:
        self.total = 0
        self.linked_count = 0

    def linked(
        self, ratings: Iterable[Rating], report: FileReport, user_ids: set[int], to_movie: dict[int, int]
    ) -> Iterator[Rating]:
        for rating in ratings:
            user, item = rating[0], rating[1]
            if user not in user_ids:
                report.reject("unknown user")
                continue
            self.total += 1
            if item not in to_movie:
                report.reject("item not linked to the catalogue")
                continue
            self.linked_count += 1
            yield rating


def _link_items(
    catalogue: Catalogue, items: Iterable[ml100k.Item], report: FileReport, bridge: Path | None
) -> tuple[dict[int, int], int]:
    """ml-100k item id -> catalogue movie id, and how many of those links came through the bridge."""
    imdb_index = _bridge_index(bridge) if bridge else None
    by_imdb = _catalogue_by_imdb(catalogue)
    direct = _catalogue_index(catalogue)
    to_movie: dict[int, int] = {}
    bridged = 0
    for item in items:
        imdb = imdb_index.find(item.title, item.year) if imdb_index else None
        if imdb is not None:
            movie = by_imdb.get(imdb)
            if movie is not None:
                bridged += 1
        else:
            movie = direct.find(item.title, item.year)
        if movie is None:
            report.reject("item not linked to the catalogue")
        else:
            to_movie[item.id] = movie
            report.loaded += 1
    return to_movie, bridged


def _bridge_index(directory: Path) -> TitleIndex:
    """ml-latest-small titles -> IMDb numbers."""
    imdb = dict(latest.read_links(latest.required(directory, "links.csv"), FileReport("links.csv"), "imdbId"))
    index = TitleIndex()
    for movie in latest.read_movies(latest.required(directory, "movies.csv"), FileReport("movies.csv")):
        if movie.id in imdb:
            index.add(movie.title, movie.year, imdb[movie.id])
    return index


def _catalogue_by_imdb(catalogue: Catalogue) -> dict[int, int]:
    """IMDb number ("tt0114709" -> 114709) -> catalogue movie id."""
    rows = catalogue.writer.conn.execute("SELECT imdb_id, id FROM movie WHERE imdb_id LIKE 'tt%'")
    return {int(imdb[2:]): movie_id for imdb, movie_id in rows if imdb[2:].isdigit()}


def _catalogue_index(catalogue: Catalogue) -> TitleIndex:
    index = TitleIndex()
    rows = catalogue.writer.conn.execute("SELECT id, title, original_title, year FROM movie WHERE year IS NOT NULL")
    for movie_id, title, original_title, year in rows:
        index.add(title, year, movie_id)
        if original_title and original_title != title:
            index.add(original_title, year, movie_id)
    return index


class TitleIndex:
    """Normalised title variants and year -> ids; answers only with a unique id.

    An exact year is tried first, then a year either side: MovieLens dates a film by its first
    release, TMDB by the release it records, and the two differ by a year for festival films.
    """

    def __init__(self) -> None:
        self._ids: defaultdict[str, defaultdict[int, set[int]]] = defaultdict(lambda: defaultdict(set))

    def add(self, title: str, year: int | None, target: int) -> None:
        if year is None:
            return
        for key in title_keys(title):
            self._ids[key][year].add(target)

    def find(self, title: str, year: int | None) -> int | None:
        if year is None:
            return None
        keys = [key for key in title_keys(title) if key in self._ids]
        for years in ((year,), (year - 1, year + 1)):
            found = {target for key in keys for y in years for target in self._ids[key].get(y, ())}
            if found:
                # Two candidates (e.g. main title and alternate title naming different films) is no link.
                return found.pop() if len(found) == 1 else None
        return None


# Articles MovieLens moves to the end ("Usual Suspects, The", "Postino, Il", "Haine, La").
_ARTICLES = frozenset(
    "the a an les la le l' il lo gli i el los las un una une uno des der die das den det de het o os as ein eine".split()
)
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"^a\.?k\.?a\.?\s+", re.IGNORECASE)
# Letters NFKD leaves whole; folded the way English titles spell them ("Œil" ~ "Oeil").
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def title_keys(title: str) -> set[str]:
    """Match keys of a title: its main title and each alternate title in parentheses.

    "City of Lost Children, The (Cité des enfants perdus, La)" ->
    {"the city of lost children", "la cite des enfants perdus"}.
    """
    alternates = [_AKA.sub("", text) for text in _PARENTHESES.findall(title)]
    main = _PARENTHESES.sub(" ", title)
    return {key for text in (main, *alternates) if (key := _normalise(text))}


def _normalise(text: str) -> str:
    """Article in front, casefolded, accents and punctuation dropped, whitespace collapsed."""
    head, comma, tail = text.strip().rpartition(",")
    if comma and tail.strip().casefold() in _ARTICLES:
        article = tail.strip()
        text = f"{article}{head}" if article.endswith("'") else f"{article} {head}"
    text = fold(text).translate(_LIGATURES).replace("&", " and ")
    # Apostrophes and hyphens join ("Pret-A-Porter" ~ "Prêt-à-Porter"); other punctuation separates.
    text = re.sub(r"['’`-]", "", text)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())
