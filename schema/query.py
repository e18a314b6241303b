from __future__ import annotations

import strawberry

from data.domain import MAX_ITEMS, parse_id
from data.errors import BadInput
from data.text import fold
from loaders.movies import VOTES_HALF, count_movies, fts_query, search_movies, select_movie_page
from loaders.people import search_people
from loaders.ratings import select_user_ratings
from loaders.users import UserOrder as UserRowOrder
from loaders.users import select_user_page
from schema import lookup, place_names, recommender_fields
from schema.access import acting_user, require_operator
from schema.collection import Collection
from schema.company import Company
from schema.context import Info
from schema.country import Country
from schema.director import Director
from schema.genre import Genre
from schema.input_limits import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, check_text
from schema.inputs import MovieFilter, MovieOrder
from schema.language import Language
from schema.movie import Movie
from schema.pagination import MAX_PAGE, Connection, connection, page_window
from schema.person import Person
from schema.rating import Rating
from schema.recommendation import ModelInfo, PredictedRating, Recommendation, RecommendFilter, RecommendOrder, RecommendOrderArgument
from schema.user import User, UserOrder, UserOrderArgument

PAGE_HELP = f"`first` items (at most {MAX_PAGE}) after the cursor `after`."
NAME_HELP = "Look up by `id` or by `name` (case- and accent-insensitive); give exactly one."
USER_HELP = ("The user is the signed-in one; `user` may name another only for a service key (FORBIDDEN for a signed-in "
             "user naming someone else, UNAUTHENTICATED without credentials).")
PREFIX_HELP = "Ordered by movie count; `name` keeps those whose name starts with it."


@strawberry.type(description="The movie catalogue: movies, the people who made them, and what groups them.")
class Query:
    @strawberry.field(description="A movie by TMDB id; null when there is none.")
    async def movie(self, info: Info, id: strawberry.ID) -> Movie | None:
        row = await info.context.loaders.movie.load(parse_id(id, "movie"))
        return Movie.from_row(row) if row else None

    @strawberry.field(description=f"Movies meeting `filter`, in `orderBy` order (most popular first by default). {PAGE_HELP}")
    async def movies(
        self,
        info: Info,
        filter: MovieFilter | None = None,
        order_by: MovieOrder | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Movie]:
        offset, limit = page_window(first, after)
        query = (filter or MovieFilter()).to_query(order_by)
        db = info.context.loaders.db
        rows = await select_movie_page(db, query, offset, limit)
        total = await count_movies(db, query)
        if total == 0 and filter is not None:
            await lookup.require_filter_names(info, filter)
        return connection(rows, Movie.from_row, offset, total)

    @strawberry.field(
        description="Full-text title search: case- and accent-insensitive, any word order, the last word may be a "
        "prefix (\"matri\" finds The Matrix). Best first by text relevance blended with how known a movie is: "
        f"bm25 * (1 + votes / (votes + {VOTES_HALF})), votes being TMDB's vote count (0 when unknown), then popularity. {PAGE_HELP}"
    )
    async def search(self, info: Info, text: str, first: int = 10, after: str | None = None) -> Connection[Movie]:
        offset, limit = page_window(first, after)
        query = fts_query(check_text(text, "search text", MAX_SEARCH_CHARS), MAX_SEARCH_WORDS)
        if query is None:
            return connection([], Movie.from_row, offset, 0)
        rows, total = await search_movies(info.context.loaders.db, query, offset, limit)
        return connection(rows, Movie.from_row, offset, total)

    @strawberry.field(description=f"A production company. {NAME_HELP}")
    async def company(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Company | None:
        return await lookup.find(info, "company", Company.from_row, id, name)

    @strawberry.field(description=f"Production companies. {PREFIX_HELP} {PAGE_HELP}")
    async def companies(self, info: Info, name: str | None = None, first: int = 20, after: str | None = None) -> Connection[Company]:
        return await lookup.page(info, "company", Company.from_row, name, first, after)

    @strawberry.field(description=f"A director (a person credited as Director). {NAME_HELP}")
    async def director(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Director | None:
        return await lookup.find(info, "director", Director.from_row, id, name)

    @strawberry.field(description=f"Directors. {PREFIX_HELP} {PAGE_HELP}")
    async def directors(self, info: Info, name: str | None = None, first: int = 20, after: str | None = None) -> Connection[Director]:
        return await lookup.page(info, "director", Director.from_row, name, first, after)

    @strawberry.field(description=f"A collection (franchise). {NAME_HELP}")
    async def collection(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Collection | None:
        return await lookup.find(info, "collection", Collection.from_row, id, name)

    @strawberry.field(description=f"Collections. {PREFIX_HELP} {PAGE_HELP}")
    async def collections(self, info: Info, name: str | None = None, first: int = 20, after: str | None = None) -> Connection[Collection]:
        return await lookup.page(info, "collection", Collection.from_row, name, first, after)

    @strawberry.field(description=f"A genre. {NAME_HELP}")
    async def genre(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Genre | None:
        return await lookup.find(info, "genre", Genre.from_row, id, name)

    @strawberry.field(description=f"Genres. {PREFIX_HELP} {PAGE_HELP}")
    async def genres(self, info: Info, name: str | None = None, first: int = MAX_PAGE, after: str | None = None) -> Connection[Genre]:
        return await lookup.page(info, "genre", Genre.from_row, name, first, after)

    @strawberry.field(description="A production country by ISO 3166-1 code or English name: \"MX\" or \"Mexico\".")
    async def country(self, info: Info, code: str) -> Country | None:
        return await lookup.find_place(info, "country", Country.from_row, place_names.country(check_text(code, "code")))

    @strawberry.field(description=f"Production countries. {PREFIX_HELP} {PAGE_HELP}")
    async def countries(self, info: Info, name: str | None = None, first: int = 20, after: str | None = None) -> Connection[Country]:
        return await lookup.page(info, "country", Country.from_row, name, first, after)

    @strawberry.field(description="A language by ISO 639-1 code or English name: \"fr\" or \"French\".")
    async def language(self, info: Info, code: str) -> Language | None:
        return await lookup.find_place(info, "language", Language.from_row, place_names.language(check_text(code, "code")))

    @strawberry.field(description=f"Original languages of movies. {PREFIX_HELP} {PAGE_HELP}")
    async def languages(self, info: Info, name: str | None = None, first: int = 20, after: str | None = None) -> Connection[Language]:
        return await lookup.page(info, "language", Language.from_row, name, first, after)

    @strawberry.field(
        description="The best movies, best first, at most `first` (up to 100), for a user (their stored ratings, "
        "including ones just made with `rateMovie`) or for an anonymous visitor's `likes` (movie ids). The user is the "
        "signed-in one; `user` names another only for a service key (else FORBIDDEN). "
        "Movies the user rated (or the liked ones) are left out unless `excludeRated` is false. A user the model does "
        "not know and who has rated nothing gets the most rated movies (`personalized: false`)."
    )
    async def recommend(
        self, info: Info, user: strawberry.ID | None = None, likes: list[strawberry.ID] | None = None, first: int = 10,
        filter: RecommendFilter | None = None, exclude_rated: bool = True, order_by: RecommendOrderArgument = RecommendOrder.SCORE,
    ) -> list[Recommendation]:
        return await recommender_fields.recommend(info, user, likes, first, filter, exclude_rated, order_by)

    @strawberry.field(
        description=f"The 1-5 star ratings the user is predicted to give `items` (TMDB movie ids, at most {MAX_ITEMS}), "
        f"in the order asked, reflecting the user's latest stored ratings. {USER_HELP} Unknown movie ids are a NOT_FOUND error listing them."
    )
    async def predicted_ratings(self, info: Info, items: list[strawberry.ID], user: strawberry.ID | None = None) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, acting_user(info, user, "predicted ratings"), items)

    @strawberry.field(description=f"A user's stored ratings, newest first. {USER_HELP} {PAGE_HELP}")
    async def ratings(self, info: Info, user: strawberry.ID | None = None, first: int = 20, after: str | None = None) -> Connection[Rating]:
        offset, limit = page_window(first, after)
        rows, total = await select_user_ratings(info.context.loaders.db, acting_user(info, user, "ratings"), offset, limit)
        return connection(rows, Rating.from_stored, offset, total)

    @strawberry.field(description="The signed-in user (UNAUTHENTICATED without a sign-in token).")
    def viewer(self, info: Info) -> User:
        return User(_user_id=acting_user(info, None, "account"))

    @strawberry.field(description=f"A user by id. {USER_HELP}")
    def user(self, info: Info, id: strawberry.ID) -> User:
        return User(_user_id=acting_user(info, id, "account"))

    @strawberry.field(description=f"Every user of the catalogue (of the ratings source, and everyone who rated through the "
                                  f"API), for operators only: a service key, or a server running open (FORBIDDEN for a "
                                  f"signed-in user, UNAUTHENTICATED without credentials). {PAGE_HELP}")
    async def users(self, info: Info, order_by: UserOrderArgument = UserOrder.ID, first: int = 20, after: str | None = None) -> Connection[User]:
        require_operator(info, "the user list")
        offset, limit = page_window(first, after)
        user_ids, total = await select_user_page(info.context.loaders.db, UserRowOrder[order_by.name], offset, limit)
        return connection(user_ids, lambda user_id: User(_user_id=user_id), offset, total)

    @strawberry.field(description="The recommender model currently serving.")
    def model_info(self, info: Info) -> ModelInfo:
        return recommender_fields.model_info(info)

    @strawberry.field(
        description="People (cast or crew) whose name starts with `name`, case- and accent-insensitively (\"penelope c\" "
        f"finds Penélope Cruz), credited on the most movies first (`movieCount`), then by name. {PAGE_HELP}"
    )
    async def people(self, info: Info, name: str, first: int = 20, after: str | None = None) -> Connection[Person]:
        offset, limit = page_window(first, after)
        prefix = fold(check_text(name, "name"))
        if not prefix:
            raise BadInput("name must not be blank: people are found by the start of their name")
        rows, total = await search_people(info.context.loaders.db, prefix, offset, limit)
        return connection(rows, Person.from_row, offset, total)

    @strawberry.field(description="A person (cast or crew) by TMDB id; null when there is none.")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        row = await info.context.loaders.person.load(parse_id(id, "person"))
        return Person.from_row(row) if row else None
