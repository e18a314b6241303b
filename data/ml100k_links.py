"""The one linker of MovieLens 100K items to catalogue movies, used by the ingest and by training.

ml-100k numbers its items itself, and no links file knows them, so an item is linked by its
titles and year: the u.item title ("Magnificent Seven, The (1954)") and the IMDb title its URL
searches for ("title-exact?Shichinin%20no%20samurai%20(1954)"). 55 URLs name the film by its IMDb
id instead ("title-exact?imdb-title-119217"): one the catalogue's imdb_id holds links the item
at once. Each title is looked up first in the bridge, ml-latest-small's movies.csv + links.csv
(GroupLens spells titles the same way in both releases), which gives an IMDb id that is then
found among the catalogue's imdb_id; then directly among the catalogue's titles and original titles.

The bridge goes through links.csv's IMDb id, not its tmdbId: a few tmdbIds there name another film
(La Promesse, 1996, points at Das Versprechen, 1994), while its IMDb ids are the ones MovieLens
curates. A title the bridge knows is trusted even when the catalogue lacks its film, so such an
item is left unlinked rather than matched to a namesake.

Lookups go in tiers, strictest first (`TIERS`), and the first tier with any candidate decides: one
candidate is a link, two or more is none (a wrong link is worse than a missing one).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

from data.readers import movielens_100k as ml100k
from data.readers import movielens_latest as latest
from data.readers._common import FileReport
from data.text import fold

ML_LATEST_SMALL = "ml-latest-small"
# (loose keys?, year offsets, sole?). MovieLens dates a film by its first release, TMDB by the
# release it records: a year apart for festival films, two for a few (A Grand Day Out: 1989 on TV,
# 1990 in TMDB, 1992 in ml-100k). Two years off links only a title that names one film in any year.
TIERS: tuple[tuple[bool, tuple[int, ...], bool], ...] = (
    (False, (0,), False),
    (False, (-1, 1), False),
    (True, (0,), False),
    (True, (-1, 1), False),
    (False, (-2, 2), True),
)
_IMDB_NUMBER = re.compile(r"imdb-title-(\d+)")
Name = tuple[str, int]  # a title as MovieLens or IMDb writes it, and its year


@dataclass(frozen=True)
class Links:
    """ml-100k item id -> catalogue movie id, and how many of the links came through the bridge."""

    to_movie: dict[int, int]
    bridged: int


def find_bridge(places: Sequence[Path | None]) -> Path | None:
    """The first `ml-latest-small` directory in one of `places`."""
    for place in places:
        if place is not None and (place / ML_LATEST_SMALL).is_dir():
            return place / ML_LATEST_SMALL
    return None


def link_items(conn: sqlite3.Connection, items: Iterable[ml100k.Item], bridge: Path | None) -> Links:
    """Links each item to a catalogue movie (the `movie` table of `conn`) where one is certain."""
    through_bridge = _bridge_index(bridge) if bridge else None
    by_imdb = _catalogue_by_imdb(conn)
    direct = catalogue_index(conn)
    to_movie: dict[int, int] = {}
    bridged = 0
    for item in items:
        imdb = imdb_number(item.imdb_url) if item.imdb_url else None
        # A URL naming the film by IMDb id links it when the catalogue has that id; a few of those
        # ids are wrong (The Prophecy II's names another film), so a missing one leaves it to titles.
        movie = by_imdb.get(imdb) if imdb is not None else None
        if movie is None:
            movie, via_bridge = _by_title(item_names(item), through_bridge, by_imdb, direct)
            bridged += via_bridge and movie is not None
        if movie is not None:
            to_movie[item.id] = movie
    return Links(to_movie, bridged)


def _by_title(
    names: Sequence[Name], bridge: TitleIndex | None, by_imdb: dict[int, int], direct: TitleIndex
) -> tuple[int | None, bool]:
    """(movie or None, whether the bridge decided). A bridge that finds two films at a tier has
    nothing to say about this item; the catalogue's own titles carry on from that tier."""
    for tier in TIERS:
        if bridge is not None and (imdb_ids := bridge.candidates(names, *tier)):
            if len(imdb_ids) == 1:
                return by_imdb.get(imdb_ids.pop()), True
            bridge = None
        if movies := direct.candidates(names, *tier):
            return (movies.pop() if len(movies) == 1 else None), False
    return None, False


def item_names(item: ml100k.Item) -> list[Name]:
    """The u.item title and the IMDb title of its URL (with the URL's year, else the item's)."""
    if item.year is None:
        return []
    names = [(item.title, item.year)]
    if item.imdb_url and imdb_number(item.imdb_url) is None:
        title, year = ml100k.split_title_year(imdb_title(item.imdb_url))
        if title and (title, year or item.year) not in names:
            names.append((title, year or item.year))
    return names


def imdb_title(url: str) -> str:
    """The title an old IMDb search URL asks for: "http://us.imdb.com/Title?Romeo+%2B+Juliet+(1996)"
    and ".../M/title-exact?Romeo%20Is%20Bleeding%20(1993)" (one u.item URL has a / for the ?)."""
    _, question, query = url.partition("?")
    return unquote_plus(query if question else url.rsplit("/", 1)[-1]).strip()


def imdb_number(url: str) -> int | None:
    """The IMDb number of a URL that names the film by id (".../title-exact?imdb-title-119217")."""
    match = _IMDB_NUMBER.search(url)
    return int(match[1]) if match else None


def _bridge_index(directory: Path) -> TitleIndex:
    """ml-latest-small titles -> IMDb numbers."""
    imdb = dict(latest.read_links(latest.required(directory, "links.csv"), FileReport("links.csv"), "imdbId"))
    index = TitleIndex()
    for movie in latest.read_movies(latest.required(directory, "movies.csv"), FileReport("movies.csv")):
        if movie.id in imdb:
            index.add(movie.title, movie.year, imdb[movie.id])
    return index


def _catalogue_by_imdb(conn: sqlite3.Connection) -> dict[int, int]:
    """IMDb number ("tt0114709" -> 114709) -> catalogue movie id."""
    rows = conn.execute("SELECT imdb_id, id FROM movie WHERE imdb_id LIKE 'tt%'")
    return {int(imdb[2:]): movie_id for imdb, movie_id in rows if imdb[2:].isdigit()}


def catalogue_index(conn: sqlite3.Connection) -> TitleIndex:
    """The catalogue's titles and original titles, with their year, -> movie ids."""
    index = TitleIndex()
    for movie_id, title, original_title, year in conn.execute("SELECT id, title, original_title, year FROM movie WHERE year IS NOT NULL"):
        index.add(title, year, movie_id)
        if original_title and original_title != title:
            index.add(original_title, year, movie_id)
    return index


class TitleIndex:
    """Normalised title keys (strict and loose) and year -> ids."""

    def __init__(self) -> None:
        self._ids: dict[bool, defaultdict[str, defaultdict[int, set[int]]]] = {
            loose: defaultdict(lambda: defaultdict(set)) for loose in (False, True)
        }

    def add(self, title: str, year: int | None, target: int) -> None:
        if year is None:
            return
        for loose in (False, True):
            for key in (loose_keys if loose else title_keys)(title):
                self._ids[loose][key][year].add(target)

    def candidates(self, names: Sequence[Name], loose: bool, offsets: tuple[int, ...], sole: bool = False) -> set[int]:
        """Every id one of `names` has under its keys of that kind, at its year plus one of `offsets`;
        `sole`: none unless those are all the ids the keys have in any year."""
        ids = self._ids[loose]
        keys = [(key, year) for title, year in names for key in (loose_keys if loose else title_keys)(title) if key in ids]
        found = {target for key, year in keys for offset in offsets for target in ids[key].get(year + offset, ())}
        if sole and found and found != {target for key, _ in keys for targets in ids[key].values() for target in targets}:
            return set()
        return found

    def find(self, title: str, year: int | None) -> int | None:
        """The id of one title: the first tier with a candidate decides, and only a unique one links."""
        if year is None:
            return None
        for tier in TIERS:
            if found := self.candidates([(title, year)], *tier):
                return found.pop() if len(found) == 1 else None
        return None


# Articles MovieLens moves to the end ("Usual Suspects, The", "Postino, Il", "Haine, La").
_ARTICLES = frozenset((
    "the", "a", "an", "les", "la", "le", "l'", "il", "lo", "gli", "i", "el", "los", "las", "un", "una", "une", "uno",
    "des", "der", "die", "das", "den", "det", "de", "het", "o", "os", "as", "ein", "eine",
))
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"^a\.?k\.?a\.?\s+", re.IGNORECASE)
# Letters NFKD leaves whole; folded the way English titles spell them ("Œil" ~ "Oeil").
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
# A person's full name in front ("Robert A. Heinlein's The Puppet Masters"); one word is part of
# the title ("Schindler's List"), and so is an article ("The Devil's Own").
_POSSESSIVE_NAME = re.compile(r"^(?!(?i:the|a|an)\s)(?:[A-Z][\w.]*\s+)+[A-Z][\w.]*'s\s+")
# Sequel numerals, which one release writes and the other drops ("Star Trek: The Wrath of Khan").
_SEQUEL_NUMERAL = re.compile(r"\b(?:ii|iii|iv|vi|vii|viii|ix)\b")


def title_keys(title: str) -> set[str]:
    """Strict match keys of a title: its main title and each alternate title in parentheses.

    "City of Lost Children, The (Cité des enfants perdus, La)" ->
    {"the city of lost children", "la cite des enfants perdus"}.
    """
    alternates = [_AKA.sub("", text) for text in _PARENTHESES.findall(title)]
    main = _PARENTHESES.sub(" ", title)
    return {key for text in (main, *alternates) if (key := _normalise(text))}


def loose_keys(title: str) -> set[str]:
    """The strict keys without a person's name in front and without sequel numerals:
    "Robert A. Heinlein's The Puppet Masters" -> {"the puppet masters"}."""
    keys = title_keys(_POSSESSIVE_NAME.sub("", title.strip()))
    return {loose for key in keys if (loose := " ".join(_SEQUEL_NUMERAL.sub(" ", key).split()))}


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
