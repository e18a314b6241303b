"""The MovieLens ratings sources besides ratings_small: ml-latest-small and MovieLens 100K.

ml-latest-small uses links.csv's movieId numbering, so its ratings map to TMDB ids through its
own links.csv, which then also updates the stored movieId links (the REST route takes the
ratings' ids). ml-100k items have a numbering of their own that no links file knows: they are
linked by `data.ml100k_links` (titles, IMDb titles and year) and the links stored in ml100klink.

Where things are looked for:
- ml-100k: `movielens` is its directory, its zip, or an http(s) URL of the official zip; by
  default the official URL. Downloads are cached in `downloads/` beside the database.
- ml-latest-small (as a source, when `movielens` is None, and as the ml-100k bridge): a directory
  `ml-latest-small` beside the ml-100k directory or zip, or beside the movies-dataset directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from data.database import BulkWriter
from data.download import ML_100K, fetch
from data.errors import IngestError
from data.ml100k_links import ML_LATEST_SMALL, find_bridge, link_items
from data.readers import movielens_100k as ml100k
from data.readers import movielens_latest as latest
from data.readers._common import FileReport
from data.tables import RATINGS_ID_SPACE

Rating = tuple[int, int, float, int]


class Catalogue(Protocol):
    """What this module needs of the ingest's catalogue (`data.ingest._Catalogue`)."""

    writer: BulkWriter
    show: bool
    movie_ids: set[int]
    movielens_links: dict[int, int]

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
        bridge = find_bridge([location.parent, movies_dataset.parent if movies_dataset else None])
        return _load_100k(catalogue, location, bridge, reports)
    raise IngestError(f"unknown MovieLens source {source!r}; choose {ML_LATEST_SMALL} or ml-100k")


def _latest_small_directory(movielens: str | None, movies_dataset: Path | None) -> Path:
    if movielens is not None:
        return Path(movielens).expanduser()
    found = find_bridge([movies_dataset.parent if movies_dataset else None])
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
    to_movie = catalogue.map_links(links_path, links_report)
    # The ratings' own links win over the movies dataset's where the two disagree.
    catalogue.movielens_links |= to_movie
    reports.append(links_report)
    ratings_report = FileReport(f"{ML_LATEST_SMALL}/ratings.csv")
    reports.append(catalogue.load_ratings(latest.read_ratings(ratings_path, ratings_report), ratings_report, to_movie))
    return {"movielens": str(directory), RATINGS_ID_SPACE: "movielens"}


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
    links = link_items(catalogue.writer.conn, ml100k.read_items(location, items_report), bridge)
    to_movie = links.to_movie
    items_report.loaded = len(to_movie)
    if unlinked := items_report.read - sum(items_report.rejected.values()) - len(to_movie):
        items_report.rejected["item not linked to the catalogue"] = unlinked
    catalogue.add("ml100klink", list(to_movie.items()), ["ml100k_id", "movie_id"])
    reports.append(items_report)

    ratings_report = FileReport("ml-100k/u.data")
    tally = _LinkTally()
    ratings = tally.linked(ml100k.read_ratings(location, ratings_report), ratings_report, user_ids, to_movie)
    reports.append(catalogue.load_ratings(ratings, ratings_report, to_movie))

    return {
        RATINGS_ID_SPACE: "ml-100k",
        "movielens": str(location),
        "ml100k_bridge": str(bridge) if bridge else "none",
        "ml100k_items": str(items_report.read),
        "ml100k_items_linked": str(items_report.loaded),
        "ml100k_items_linked_via_bridge": str(links.bridged),
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
