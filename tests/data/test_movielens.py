"""MovieLens sources: the ml-100k and ml-latest-small readers, the checksum-verified download, and
ingests with each source, checked against counts and links computed here from the raw files.

The title matcher below (`_Matcher`) is written separately from data.ml100k_links on purpose: it
states the linking policy (an IMDb id in the URL the catalogue has; else the u.item title and the
URL's IMDb title, through the bridge's IMDb ids, then the catalogue's titles: at the year, a year
either side, the same without a person's name in front or sequel numerals, then two years off for
a title that names one film) with regexes and plain dicts, so the link rate the ingest reports is
checked against a second implementation, and a handful of links against TMDB ids known by hand.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import http.server
import re
import socket
import sqlite3
import threading
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from data.download import fetch
from data.errors import ChecksumError, IngestError
from data.ingest import IngestResult, RatingsSource, ingest
from data.ml100k_links import TitleIndex, imdb_title, loose_keys, title_keys
from data.readers import movielens_100k as ml100k
from data.readers import movielens_latest as latest
from data.readers._common import FileReport
from tests.conftest import SAMPLE

# ml-100k item id -> TMDB id, looked up by hand.
KNOWN_LINKS = {
    1: 862,  # Toy Story (1995)
    11: 807,  # Seven (Se7en) (1995): the alternate title is TMDB's
    12: 629,  # Usual Suspects, The (1995)
    50: 11,  # Star Wars (1977): ml-latest-small calls it "Star Wars: Episode IV - A New Hope"
    55: 101,  # Professional, The (1994): TMDB "Leon: The Professional", through the bridge
    100: 275,  # Fargo (1996)
    121: 602,  # Independence Day (ID4) (1996)
    177: 429,  # Good, The Bad and The Ugly, The (1966)
    198: 9322,  # Nikita (La Femme Nikita) (1990)
    919: 902,  # City of Lost Children, The (1995)
    # Linked through the IMDb title of the URL, a loose key, or two years off (issue #12):
    228: 154,  # Star Trek: The Wrath of Khan (1982): TMDB "Star Trek II: ..."
    455: 9404,  # Jackie Chan's First Strike (1996): URL "Police Story 4: First Strike"
    510: 346,  # Magnificent Seven, The (1954): URL "Shichinin no samurai", Seven Samurai
    421: 454,  # William Shakespeare's Romeo and Juliet (1996): URL "Romeo + Juliet"
    189: 530,  # Grand Day Out, A (1992): TMDB 1990
    84: 25557,  # Robert A. Heinlein's The Puppet Masters (1994)
    1591: 11220,  # Duoluo tianshi (1995): URL imdb-title-112913, Fallen Angels
}
# ml-latest-small's links.csv gives "Promesse, La (1996)" tmdbId 105045, which is Das Versprechen.
WRONG_TMDB_LINK = (296, 105045)

Rating = tuple[int, int, float, int]


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def movielens_data(shared_data: Path) -> Path:
    """../shared/data with both MovieLens releases; skips when they are absent."""
    if not (shared_data / "ml-100k" / "u.data").is_file() or not (shared_data / "ml-latest-small" / "ratings.csv").is_file():
        pytest.skip("../shared/data has no ml-100k or ml-latest-small")
    return shared_data


@pytest.fixture(scope="module")
def ml100k_zip(movielens_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip laid out like the official one (files under ml-100k/), holding the three files read."""
    path = tmp_path_factory.mktemp("zip") / "ml-100k.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("u.data", "u.item", "u.user", "README"):
            archive.write(movielens_data / "ml-100k" / name, f"ml-100k/{name}")
    return path


def _ingested(movielens_data: Path, folder: Path, source: RatingsSource) -> Iterator[tuple[IngestResult, sqlite3.Connection]]:
    db = folder / "catalogue.sqlite3"
    result = ingest(
        movies_dataset=movielens_data / "movies-dataset", db_path=db, ratings=source,
        movielens=str(movielens_data / source), show_progress=False,
    )
    conn = sqlite3.connect(db)
    yield result, conn
    conn.close()


@pytest.fixture(scope="module")
def ingested_100k(movielens_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IngestResult, sqlite3.Connection]]:
    yield from _ingested(movielens_data, tmp_path_factory.mktemp("ml100k"), "ml-100k")


@pytest.fixture(scope="module")
def ingested_latest(movielens_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IngestResult, sqlite3.Connection]]:
    yield from _ingested(movielens_data, tmp_path_factory.mktemp("latest"), "ml-latest-small")


@pytest.fixture(scope="module")
def reference_links(ingested_100k: tuple[IngestResult, sqlite3.Connection], movielens_data: Path) -> dict[int, int]:
    """The ml-100k links the ingest should have made, by the reference matcher below."""
    return _expected_links(ingested_100k[1], movielens_data / "ml-100k", movielens_data / "ml-latest-small")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; /truncated promises 1,000 bytes and sends 10, like a dropped connection."""

    def do_GET(self) -> None:
        if self.path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server in a thread: (base URL, the folder it serves)."""
    root = tmp_path / "served"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the independent reference ----------------------------------------------------------------

_ARTICLE = re.compile(
    r"^(?P<rest>.+), (?P<article>the|a|an|les|la|le|l'|il|lo|gli|i|el|los|las|un|una|une|uno|des|der|die|das|den|det|de|het|o|os|as|ein|eine)$",
    re.IGNORECASE,
)


def _ref_keys(title: str) -> set[str]:
    keys = set()
    for part in [re.sub(r"\([^()]*\)", " ", title), *re.findall(r"\(([^()]*)\)", title)]:
        part = re.sub(r"^a\.?k\.?a\.?\s+", "", part.strip(), flags=re.IGNORECASE)
        if match := _ARTICLE.match(part):
            glue = "" if match["article"].endswith("'") else " "
            part = match["article"] + glue + match["rest"]
        part = part.casefold().replace("œ", "oe").replace("æ", "ae").replace("ø", "o").replace("&", " and ")
        part = "".join(c for c in unicodedata.normalize("NFKD", part) if not unicodedata.combining(c))
        part = re.sub(r"['’`-]", "", part)
        part = " ".join(re.sub(r"[\W_]+", " ", part).split())
        if part:
            keys.add(part)
    return keys


def _ref_title_year(raw: str) -> tuple[str, int | None]:
    match = re.fullmatch(r"(.*?) \((\d{4})\)(?: \(\w+\))?", raw.strip())
    return (match[1], int(match[2])) if match else (raw.strip(), None)


_SEQUELS = {"ii", "iii", "iv", "vi", "vii", "viii", "ix"}


def _ref_loose(title: str) -> set[str]:
    words = title.split()
    # A leading full name in the possessive: two or more capitalised words, the last ending in 's.
    for end, word in enumerate(words):
        if word.endswith("'s"):
            name = words[: end + 1]
            if len(name) >= 2 and all(w[0].isupper() for w in name) and name[0].lower() not in ("the", "a", "an"):
                title = " ".join(words[end + 1 :])
            break
    return {" ".join(w for w in key.split() if w not in _SEQUELS) for key in _ref_keys(title)} - {""}


class _Matcher:
    """(kind, key, year) -> ids; the first tier with a candidate decides, a unique one links."""

    TIERS = (("strict", (0,), False), ("strict", (-1, 1), False), ("loose", (0,), False), ("loose", (-1, 1), False),
             ("strict", (-2, 2), True))

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, int], set[int]] = {}

    def add(self, title: str, year: int | None, target: int) -> None:
        for kind, keys in (("strict", _ref_keys(title)), ("loose", _ref_loose(title))):
            for key in keys:
                self.ids.setdefault((kind, key, year or 0), set()).add(target)

    def tier(self, names: list[tuple[str, int]], kind: str, offsets: tuple[int, ...], sole: bool) -> set[int]:
        keys = [(key, year) for title, year in names for key in (_ref_keys(title) if kind == "strict" else _ref_loose(title))]
        found = set().union(*(self.ids.get((kind, key, year + o), set()) for key, year in keys for o in offsets))
        if sole and found:
            every = set().union(*(ids for (k, key, _), ids in self.ids.items() if k == kind and key in {key for key, _ in keys}))
            return found if every == found else set()
        return found

    def find(self, title: str, year: int | None) -> int | None:
        if year is None:
            return None
        for tier in self.TIERS:
            if found := self.tier([(title, year)], *tier):
                return next(iter(found)) if len(found) == 1 else None
        return None


def _expected_links(conn: sqlite3.Connection, ml100k_dir: Path, latest_dir: Path | None) -> dict[int, int]:
    """ml-100k item -> movie, from u.item, ml-latest-small and the catalogue's movie table."""
    by_imdb = {int(imdb[2:]): movie for movie, imdb in conn.execute("SELECT id, imdb_id FROM movie WHERE imdb_id GLOB 'tt[0-9]*'")}
    direct = _Matcher()
    for movie, title, original, year in conn.execute("SELECT id, title, original_title, year FROM movie WHERE year IS NOT NULL"):
        direct.add(title, year, movie)
        direct.add(original or title, year, movie)
    bridge = _Matcher()
    if latest_dir is not None:
        with open(latest_dir / "links.csv", newline="") as handle:
            imdb_of = {int(r["movieId"]): int(r["imdbId"]) for r in csv.DictReader(handle) if r["imdbId"]}
        with open(latest_dir / "movies.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if int(row["movieId"]) in imdb_of:
                    bridge.add(*_ref_title_year(row["title"]), imdb_of[int(row["movieId"])])
    links = {}
    with open(ml100k_dir / "u.item", encoding="latin-1") as handle:
        for line in handle:
            item, raw, _, _, url = line.split("|")[:5]
            title, year = _ref_title_year(raw)
            number = re.search(r"imdb-title-(\d+)$", url)
            if number and int(number[1]) in by_imdb:
                links[int(item)] = by_imdb[int(number[1])]
                continue
            if year is None:
                continue
            names = [(title, year)]
            search = urllib.parse.unquote_plus(url.split("?", 1)[1]) if "?" in url and not number else ""
            if search:
                other, other_year = _ref_title_year(search)
                names.append((other, other_year or year))
            movie, use_bridge = None, latest_dir is not None
            for tier in _Matcher.TIERS:
                imdb_ids = bridge.tier(names, *tier) if use_bridge else set()
                if len(imdb_ids) == 1:
                    movie = by_imdb.get(imdb_ids.pop())
                    break
                use_bridge = use_bridge and not imdb_ids
                if movies := direct.tier(names, *tier):
                    movie = movies.pop() if len(movies) == 1 else None
                    break
            if movie is not None:
                links[int(item)] = movie
    return links


def _ml100k_ratings(ml100k_dir: Path) -> list[Rating]:
    with open(ml100k_dir / "u.data") as handle:
        return [(int(u), int(i), float(r), int(t)) for u, i, r, t in (line.split("\t") for line in handle)]


def _keep_newest(ratings: list[Rating], to_movie: dict[int, int]) -> dict[tuple[int, int], float]:
    """(user, movie) -> rating; of two source items linked to one movie the newer rating stays."""
    kept: dict[tuple[int, int], tuple[float, int]] = {}
    for user, item, rating, stamp in ratings:
        if item in to_movie:
            key = (user, to_movie[item])
            if key not in kept or stamp > kept[key][1]:
                kept[key] = (rating, stamp)
    return {key: rating for key, (rating, _) in kept.items()}


def _db_ratings(conn: sqlite3.Connection) -> dict[tuple[int, int], float]:
    return {(u, m): r for u, m, r in conn.execute("SELECT user_id, movie_id, rating FROM rating")}


def _report(result: IngestResult, name: str) -> FileReport:
    return next(report for report in result.reports if report.name == name)


# --- readers ----------------------------------------------------------------------------------


def test_ml100k_directory_has_100000_ratings_1682_items_943_users(movielens_data: Path) -> None:
    location = movielens_data / "ml-100k"
    reports = [FileReport(name) for name in ("u.data", "u.item", "u.user")]
    ratings = list(ml100k.read_ratings(location, reports[0]))
    items = list(ml100k.read_items(location, reports[1]))
    users = list(ml100k.read_users(location, reports[2]))
    assert (len(ratings), len(items), len(users)) == (100_000, 1_682, 943)
    assert [(r.read, sum(r.rejected.values())) for r in reports] == [(100_000, 0), (1_682, 0), (943, 0)]
    assert ratings[0] == (196, 242, 3.0, 881250949)  # u.data's first line
    assert items[0].title == "Toy Story" and items[0].year == 1995
    assert items[0].genres == ("Animation", "Children's", "Comedy")
    assert (users[0].id, users[0].age, users[0].gender, users[0].occupation, users[0].zip_code) == (1, 24, "M", "technician", "85711")
    # latin-1: "Misérables, Les (1995)"; the film year wins over the release date (Taxi Driver, re-released 1996).
    assert next(i for i in items if i.id == 543).title == "Misérables, Les"
    assert next(i for i in items if i.id == 23).year == 1976


def test_ml100k_zip_reads_like_the_directory(movielens_data: Path, ml100k_zip: Path) -> None:
    location = movielens_data / "ml-100k"
    assert list(ml100k.read_ratings(ml100k_zip, FileReport("zip"))) == list(ml100k.read_ratings(location, FileReport("dir")))
    assert list(ml100k.read_items(ml100k_zip, FileReport("zip"))) == list(ml100k.read_items(location, FileReport("dir")))
    users = list(ml100k.read_users(ml100k_zip, FileReport("zip")))
    assert users == list(ml100k.read_users(location, FileReport("dir"))) and len(users) == 943


def test_ml100k_bad_rows_are_counted_by_reason_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("1\t10\t5\t881250949\n1\t11\t0\t1\n1\t12\t3.5\t1\nx\t13\t4\t1\n1\t14\t4\n2\t10\t1\t881250950\n")
    flags = "|".join(["0"] * 18)
    (tmp_path / "u.item").write_bytes(
        f"10|Misérables, Les (1995)|01-Jan-1995||url|1|{flags}\n"
        f"11|No Flags (1995)|01-Jan-1995||url\n"
        f"12|Bad Date (1995)|31-Foo-1995||url|0|{flags}\n"
        f"13|Bad Flag (1995)|01-Jan-1995||url|2|{flags}\n".encode("latin-1")
    )
    (tmp_path / "u.user").write_text("1|24|M|technician|85711\n2|x|F|other|T8H1N\n3|30|Q|writer|1\n")
    reports = [FileReport(name) for name in ("u.data", "u.item", "u.user")]
    assert [r[:3] for r in ml100k.read_ratings(tmp_path, reports[0])] == [(1, 10, 5.0), (2, 10, 1.0)]
    assert [i.title for i in ml100k.read_items(tmp_path, reports[1])] == ["Misérables, Les"]
    assert [u.id for u in ml100k.read_users(tmp_path, reports[2])] == [1]
    assert reports[0].rejected == {"rating not a whole star 1..5": 2, "bad id or timestamp": 1, "wrong number of fields": 1}
    assert reports[1].rejected == {"wrong number of fields": 1, "bad release date": 1, "bad genre flag": 1}
    assert reports[2].rejected == {"bad age": 1, "bad gender": 1}


def test_ml100k_missing_file_or_bad_zip_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"has no u\.data"):
        list(ml100k.read_ratings(tmp_path, FileReport("u.data")))
    not_a_zip = tmp_path / "ml-100k.zip"
    not_a_zip.write_text("not a zip")
    with pytest.raises(IngestError, match="cannot open"):
        list(ml100k.read_items(not_a_zip, FileReport("u.item")))


def test_title_year_split_handles_movielens_oddities() -> None:
    assert ml100k.split_title_year("Toy Story (1995)") == ("Toy Story", 1995)
    assert ml100k.split_title_year("Seven (Se7en) (1995)") == ("Seven (Se7en)", 1995)
    assert ml100k.split_title_year("Land Before Time III: The Time of the Great Giving (1995) (V)")[1] == 1995
    assert ml100k.split_title_year("Two Friends (1986) ") == ("Two Friends", 1986)
    assert ml100k.split_title_year("Death Note: Desu nôto (2006–2007)") == ("Death Note: Desu nôto", 2006)
    assert ml100k.split_title_year("Babylon 5") == ("Babylon 5", None)


def test_ml_latest_small_readers_count_every_row(movielens_data: Path) -> None:
    folder = movielens_data / "ml-latest-small"
    movies_report, ratings_report, links_report = FileReport("movies"), FileReport("ratings"), FileReport("links")
    movies = list(latest.read_movies(folder / "movies.csv", movies_report))
    assert len(movies) == movies_report.read == 9_742
    assert movies[0] == latest.LatestMovie(1, "Toy Story", 1995, ("Adventure", "Animation", "Children", "Comedy", "Fantasy"))
    assert sum(1 for _ in latest.read_ratings(folder / "ratings.csv", ratings_report)) == 100_836
    imdb = dict(latest.read_links(folder / "links.csv", links_report, "imdbId"))
    assert len(imdb) == 9_742 and imdb[1] == 114709


# --- title matching ---------------------------------------------------------------------------


def test_title_keys_move_articles_and_split_alternate_titles() -> None:
    assert title_keys("Usual Suspects, The") == {"the usual suspects"}
    assert title_keys("City of Lost Children, The (Cité des enfants perdus, La)") == {
        "the city of lost children", "la cite des enfants perdus"
    }
    assert title_keys("Eye of Vichy, The (Oeil de Vichy, L')") == title_keys("The Eye of Vichy") | title_keys("L'Œil de Vichy")
    assert title_keys("Wallace & Gromit: The Best of Aardman Animation") == {"wallace and gromit the best of aardman animation"}
    assert title_keys("Pret-A-Porter") == title_keys("Prêt-à-Porter")
    # Only a trailing article moves: "Paris, France" stays put.
    assert title_keys("Paris, France") == {"paris france"}


def test_title_index_prefers_the_exact_year_and_refuses_ambiguity() -> None:
    index = TitleIndex()
    index.add("The Promise", 1994, 1)
    index.add("The Promise", 1995, 2)
    index.add("Crash", 1996, 3)
    index.add("Crash", 1996, 4)
    index.add("Dingo", 1991, 5)
    assert index.find("Promise, The", 1995) == 2  # exact year beats the neighbour
    assert index.find("Promise, The", 1996) == 2  # one year off, unique
    assert index.find("Promise, The", 1993) == 1
    assert index.find("Crash", 1996) is None  # two films: no guess
    assert index.find("Dingo", 1992) == 5
    assert index.find("Dingo", 1993) == 5  # two years off: the one film of that title in any year
    assert index.find("Dingo", 1994) is None  # three years off
    assert index.find("Promise, The", 1997) is None  # two years off, but the title names two films
    assert index.find("Dingo", None) is None


def test_loose_keys_drop_a_name_in_front_and_sequel_numerals() -> None:
    assert loose_keys("Robert A. Heinlein's The Puppet Masters") == {"the puppet masters"}
    assert loose_keys("Jackie Chan's First Strike") == {"first strike"}
    assert loose_keys("Star Trek II: The Wrath of Khan") == loose_keys("Star Trek: The Wrath of Khan") == {"star trek the wrath of khan"}
    # One word, or an article, is part of the title.
    assert loose_keys("Schindler's List") == {"schindlers list"}
    assert loose_keys("The Devil's Own") == {"the devils own"}
    index = TitleIndex()
    index.add("The Puppet Masters", 1994, 25557)
    index.add("Puppet Masters", 1994, 1)  # without its article: another key, not a candidate
    assert index.find("Robert A. Heinlein's The Puppet Masters", 1994) == 25557


def test_imdb_title_reads_both_url_forms() -> None:
    assert imdb_title("http://us.imdb.com/M/title-exact?Shichinin%20no%20samurai%20(1954)") == "Shichinin no samurai (1954)"
    assert imdb_title("http://us.imdb.com/Title?Romeo+%2B+Juliet+(1996)") == "Romeo + Juliet (1996)"
    assert imdb_title("http://us.imdb.com/M/title-exact/Independence%20(1997)") == "Independence (1997)"


# --- download ---------------------------------------------------------------------------------


def _served_zip(root: Path) -> tuple[str, str]:
    """A small zip in the served folder: (its name, its sha256)."""
    path = root / "ml-100k.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ml-100k/u.data", "1\t1\t5\t881250949\n" * 1000)
    return path.name, hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_with_the_right_checksum_writes_the_file(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    name, digest = _served_zip(root)
    target = tmp_path / "cache" / "ml-100k.zip"
    assert fetch(f"{url}/{name}", target, digest, show_progress=False) == target
    assert target.read_bytes() == (root / name).read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["ml-100k.zip"]
    # A verified file in the cache is not fetched again: an unreachable URL does not matter.
    assert fetch(f"http://127.0.0.1:{_closed_port()}/{name}", target, digest, show_progress=False) == target


def test_download_with_a_wrong_checksum_leaves_no_file(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    name, digest = _served_zip(root)
    target = tmp_path / "cache" / "ml-100k.zip"
    with pytest.raises(ChecksumError, match="does not match the published") as caught:
        fetch(f"{url}/{name}", target, "0" * 64, show_progress=False)
    assert caught.value.actual == digest
    assert list(target.parent.iterdir()) == []


def test_download_failures_are_ingest_errors_and_leave_no_file(server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = server
    target = tmp_path / "cache" / "ml-100k.zip"
    for source, message in (
        (f"http://127.0.0.1:{_closed_port()}/ml-100k.zip", "check the network"),
        (f"{url}/missing.zip", "HTTP 404"),
        (f"{url}/truncated", "got 10 of 1,000 bytes"),
    ):
        with pytest.raises(IngestError, match=message):
            fetch(source, target, "0" * 64, show_progress=False)
        assert list(target.parent.iterdir()) == []


def test_ml100k_from_a_url_must_be_the_official_zip(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    name, _ = _served_zip(root)
    db = tmp_path / "db" / "catalogue.sqlite3"
    with pytest.raises(ChecksumError):
        ingest(movies_dataset=SAMPLE, db_path=db, ratings="ml-100k", movielens=f"{url}/{name}", show_progress=False)
    assert list(db.parent.iterdir()) == [db.parent / "downloads"]
    assert list((db.parent / "downloads").iterdir()) == []


# --- ingest -----------------------------------------------------------------------------------


def test_ml100k_link_rate_matches_an_independent_count(
    ingested_100k: tuple[IngestResult, sqlite3.Connection], reference_links: dict[int, int], movielens_data: Path
) -> None:
    result, conn = ingested_100k
    expected = reference_links
    ratings = _ml100k_ratings(movielens_data / "ml-100k")
    linked_ratings = sum(1 for _, item, _, _ in ratings if item in expected)
    facts = result.facts
    assert facts["ml100k_items"] == "1682" and facts["ml100k_ratings"] == "100000"
    assert facts["ml100k_items_linked"] == str(len(expected))
    assert facts["ml100k_link_rate"] == f"{len(expected) / 1682:.3f}"
    assert facts["ml100k_ratings_linked"] == str(linked_ratings)
    assert facts["ml100k_rating_link_rate"] == f"{linked_ratings / 100_000:.3f}"
    assert facts["ml100k_bridge"] == str(movielens_data / "ml-latest-small")
    stored = dict(conn.execute("SELECT key, value FROM ingestinfo WHERE key LIKE 'ml100k_%'"))
    assert stored["ml100k_link_rate"] == facts["ml100k_link_rate"]
    items = _report(result, "ml-100k/u.item")
    assert (items.read, items.loaded) == (1_682, len(expected))
    assert items.rejected == {"item not linked to the catalogue": 1_682 - len(expected)}


def test_ml100k_known_links_hold(ingested_100k: tuple[IngestResult, sqlite3.Connection], movielens_data: Path) -> None:
    _, conn = ingested_100k
    stored = _db_ratings(conn)
    ratings = _ml100k_ratings(movielens_data / "ml-100k")
    for item, movie in KNOWN_LINKS.items():
        of_item = [(user, rating) for user, i, rating, _ in ratings if i == item]
        assert of_item and all(stored[(user, movie)] == rating for user, rating in of_item), item
    item, wrong_movie = WRONG_TMDB_LINK
    users = {user for user, i, _, _ in ratings if i == item}
    assert not any((user, wrong_movie) in stored for user in users)


def test_ml100k_rating_rows_are_the_ratings_of_linked_items(
    ingested_100k: tuple[IngestResult, sqlite3.Connection], reference_links: dict[int, int], movielens_data: Path
) -> None:
    result, conn = ingested_100k
    expected_links = reference_links
    ratings = _ml100k_ratings(movielens_data / "ml-100k")
    expected = _keep_newest(ratings, expected_links)
    assert _db_ratings(conn) == expected
    # The links are stored for the REST route, and the catalogue says its ratings use ml-100k ids.
    assert dict(conn.execute("SELECT ml100k_id, movie_id FROM ml100klink")) == expected_links
    assert dict(conn.execute("SELECT key, value FROM ingestinfo"))["ratings_id_space"] == "ml-100k"
    linked = sum(1 for _, item, _, _ in ratings if item in expected_links)
    report = _report(result, "ml-100k/u.data")
    assert report.loaded == len(expected)
    assert report.rejected == {"item not linked to the catalogue": 100_000 - linked, "duplicate rating": linked - len(expected)}


def test_ml100k_users_keep_their_demographics(ingested_100k: tuple[IngestResult, sqlite3.Connection], movielens_data: Path) -> None:
    _, conn = ingested_100k
    with open(movielens_data / "ml-100k" / "u.user") as handle:
        raw = {int(f[0]): (int(f[1]), f[2], f[3], f[4]) for f in (line.rstrip("\n").split("|") for line in handle)}
    stored = {row[0]: row[1:] for row in conn.execute("SELECT id, age, gender, occupation, zip_code FROM user")}
    assert stored == raw


def test_ml100k_zip_without_bridge_links_by_title_alone(movielens_data: Path, ml100k_zip: Path, tmp_path: Path) -> None:
    # The sample's folder and the zip's have no ml-latest-small beside them: titles only.
    result = ingest(movies_dataset=SAMPLE, db_path=tmp_path / "c.sqlite3", ratings="ml-100k", movielens=str(ml100k_zip), show_progress=False)
    assert result.facts["ml100k_bridge"] == "none"
    with contextlib.closing(sqlite3.connect(tmp_path / "c.sqlite3")) as conn:
        expected_links = _expected_links(conn, movielens_data / "ml-100k", None)
        stored = _db_ratings(conn)
    assert result.facts["ml100k_items_linked"] == str(len(expected_links))
    assert stored == _keep_newest(_ml100k_ratings(movielens_data / "ml-100k"), expected_links)
    assert expected_links[1] == 862  # the sample keeps Toy Story


def test_ml_latest_small_counts_match_the_raw_files(
    ingested_latest: tuple[IngestResult, sqlite3.Connection], movielens_data: Path
) -> None:
    result, conn = ingested_latest
    folder = movielens_data / "ml-latest-small"
    catalogue = {movie for (movie,) in conn.execute("SELECT id FROM movie")}
    with open(folder / "links.csv", newline="") as handle:
        to_movie = {int(r["movieId"]): int(r["tmdbId"]) for r in csv.DictReader(handle) if r["tmdbId"] and int(r["tmdbId"]) in catalogue}
    with open(folder / "ratings.csv", newline="") as handle:
        ratings = [(int(r["userId"]), int(r["movieId"]), float(r["rating"]), int(r["timestamp"])) for r in csv.DictReader(handle)]
    expected = _keep_newest(ratings, to_movie)
    assert _db_ratings(conn) == expected
    report = _report(result, "ml-latest-small/ratings.csv")
    assert (report.read, report.loaded) == (100_836, len(expected))
    unlinked = sum(1 for _, movie, _, _ in ratings if movie not in to_movie)
    assert report.rejected["movie not in the catalogue"] == unlinked
    assert _report(result, "ml-latest-small/links.csv").loaded == len(to_movie)
    users = {user for user, _ in expected}
    assert {user for (user,) in conn.execute("SELECT id FROM user")} == users
    assert result.facts["movielens"] == str(folder)
    # The REST route takes the ratings' own movieIds: the stored links include every one of them.
    stored = dict(conn.execute("SELECT movielens_id, movie_id FROM movielenslink"))
    assert {movielens_id: stored.get(movielens_id) for movielens_id in to_movie} == to_movie
    assert dict(conn.execute("SELECT key, value FROM ingestinfo"))["ratings_id_space"] == "movielens"
