"""The MovieLens ratings sources besides The Movies Dataset's own: the releases people download.

- ratings.csv + links.csv (ml-latest-small, ml-20m, ml-25m, ml-32m, ml-latest): links.csv's
  movieId numbering, so the ratings map to TMDB ids through the release's own links.csv, which
  then also updates the stored movieId links (the REST route takes the ratings' ids).
- ratings.dat + movies.dat (ml-1m, ml-10m): MovieLens movieIds too, but no links file: a movie
  maps through the movies dataset's links.csv, else through its title and year (the linker of
  `data.ml100k_links`, over the catalogue's titles).
- ml-100k: items have a numbering of their own that no links file knows: they are linked by
  `data.ml100k_links` (titles, IMDb titles and year) and the links stored in ml100klink.

Where things are looked for:
- ml-100k: `movielens` is its directory, its zip, or an http(s) URL of the official zip; by
  default the official URL. Downloads are cached in `downloads/` beside the database.
- the others: `movielens` is the release's unpacked directory (its ratings file may be gzipped);
  by default a directory named as the official zip unpacks (`ml-1m`, `ml-10M100K`, `ml-20m`, ...)
  beside the movies-dataset directory. ml-latest-small also serves as the ml-100k bridge, found
  beside the ml-100k directory or zip, or beside the movies-dataset directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from data.database import BulkWriter
from data.download import ML_100K, fetch
from data.errors import IngestError
from data.ml100k_links import ML_LATEST_SMALL, catalogue_index, find_bridge, link_items
from data.readers import movielens_100k as ml100k
from data.readers import movielens_dat as dat
from data.readers import movielens_latest as latest
from data.readers._common import FileReport
from data.readers.ratings_columns import RatingColumns, blocks_of, read_columns
from data.tables import RATINGS_ID_SPACE

Rating = tuple[int, int, float, int]
# Source name -> the directory names its official zip unpacks to (ml-10m's is ml-10M100K).
CSV_RELEASES = {ML_LATEST_SMALL: (ML_LATEST_SMALL,), "ml-20m": ("ml-20m",), "ml-25m": ("ml-25m",),
                "ml-32m": ("ml-32m",), "ml-latest": ("ml-latest",)}
DAT_RELEASES = {"ml-1m": ("ml-1m",), "ml-10m": ("ml-10M100K", "ml-10m")}


class Catalogue(Protocol):
    """What this module needs of the ingest's catalogue (`data.ingest._Catalogue`)."""

    writer: BulkWriter
    show: bool
    movie_ids: set[int]
    movielens_links: dict[int, int]

    def add(self, table: str, rows: list[tuple[object, ...]], names: list[str] | None = None) -> None: ...

    def map_links(self, path: Path, report: FileReport) -> dict[int, int]: ...

    def load_ratings(self, blocks: Iterable[RatingColumns], report: FileReport, to_movie: dict[int, int]) -> FileReport: ...


def load(
    catalogue: Catalogue,
    source: str,
    movielens: str | None,
    reports: list[FileReport],
    *,
    movies_dataset: Path | None = None,
    movielens_to_movie: dict[int, int] | None = None,
) -> dict[str, str]:
    """Loads the ratings of `source` (and ml-100k's users); returns facts for the ingest info table.
    `movielens_to_movie` is the movies dataset's links (movieId -> movie), which ml-1m/ml-10m go through."""
    if source in CSV_RELEASES:
        return _load_csv_release(catalogue, source, _release_directory(source, movielens, movies_dataset), reports)
    if source in DAT_RELEASES:
        directory = _release_directory(source, movielens, movies_dataset)
        return _load_dat_release(catalogue, source, directory, movielens_to_movie or {}, reports)
    if source == "ml-100k":
        location = _ml100k_location(movielens, catalogue)
        bridge = find_bridge([location.parent, movies_dataset.parent if movies_dataset else None])
        return _load_100k(catalogue, location, bridge, reports)
    choices = ", ".join([*CSV_RELEASES, *DAT_RELEASES, "ml-100k"])
    raise IngestError(f"unknown MovieLens source {source!r}; choose one of {choices}")


def _release_directory(source: str, movielens: str | None, movies_dataset: Path | None) -> Path:
    if movielens is not None:
        path = Path(movielens).expanduser()
        if not path.is_dir():
            raise IngestError(f"{path} is not a directory; give the unpacked {source} release with --movielens DIR")
        return path
    names = CSV_RELEASES.get(source) or DAT_RELEASES[source]
    if movies_dataset is not None:
        for name in names:
            if (movies_dataset.parent / name).is_dir():
                return movies_dataset.parent / name
    raise IngestError(f"no {' or '.join(names)} directory beside the movies dataset; pass the unpacked {source} release with --movielens DIR")


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


def _load_csv_release(catalogue: Catalogue, source: str, directory: Path, reports: list[FileReport]) -> dict[str, str]:
    links_path, ratings_path = latest.required(directory, "links.csv"), latest.required(directory, "ratings.csv")
    links_report = FileReport(f"{source}/links.csv")
    to_movie = catalogue.map_links(links_path, links_report)
    # The ratings' own links win over the movies dataset's where the two disagree.
    catalogue.movielens_links |= to_movie
    reports.append(links_report)
    ratings_report = FileReport(f"{source}/{ratings_path.name}")
    reports.append(catalogue.load_ratings(read_columns(ratings_path, ratings_report), ratings_report, to_movie))
    return {"movielens": str(directory), RATINGS_ID_SPACE: "movielens"}


def _load_dat_release(
    catalogue: Catalogue, source: str, directory: Path, movielens_to_movie: dict[int, int], reports: list[FileReport]
) -> dict[str, str]:
    movies_path, ratings_path = latest.required(directory, "movies.dat"), latest.required(directory, "ratings.dat")
    movies_report = FileReport(f"{source}/movies.dat")
    titles = catalogue_index(catalogue.writer.conn)
    to_movie: dict[int, int] = {}
    by_title = 0
    for movie in dat.read_movies(movies_path, movies_report):
        if movie.id in to_movie:
            movies_report.reject("duplicate movieId")
            continue
        linked = movielens_to_movie.get(movie.id)
        if linked is None and (linked := titles.find(movie.title, movie.year)) is not None:
            by_title += 1
        if linked is None:
            movies_report.reject("movie not in the catalogue")
        else:
            to_movie[movie.id] = linked
            movies_report.loaded += 1
    # Their ids are movieIds: the REST route takes them like ratings_small's.
    catalogue.movielens_links |= to_movie
    reports.append(movies_report)
    ratings_report = FileReport(f"{source}/{ratings_path.name}")
    blocks = read_columns(ratings_path, ratings_report, separator=dat.SEPARATOR, header=False)
    reports.append(catalogue.load_ratings(blocks, ratings_report, to_movie))
    return {
        "movielens": str(directory),
        RATINGS_ID_SPACE: "movielens",
        f"{source}_movies_linked": str(movies_report.loaded),
        f"{source}_movies_linked_by_title": str(by_title),
        f"{source}_movie_link_rate": _rate(movies_report.loaded, movies_report.read),
    }


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
    reports.append(catalogue.load_ratings(blocks_of(ratings, ratings_report), ratings_report, to_movie))

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
