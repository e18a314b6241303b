from __future__ import annotations

from typing import Annotated

import strawberry

from data.domain import MAX_ITEMS, parse_id
from data.errors import BadInput
from data.text import fold
from loaders.movies import VOTES_HALF, count_movies, fts_query, search_movies, select_movie_page
from loaders.people import search_people
from loaders.rows import MovieRow, PersonRow
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
from schema.lookahead import selected
from schema.movie import Movie, page_with_relations
from schema.node import Node
from schema.nodes import MAX_NODES, resolve_nodes
from schema.pagination import MAX_PAGE, PAGE_HELP, After, Before, Connection, First10, First20, First100, Last, PageArgs, connection, paginate
from schema.person import Person
from schema.rating import Rating
from schema.recommendation import ModelInfo, PredictedRating, Recommendation, RecommendFilter, RecommendOrder, RecommendOrderArgument
from schema.user import ID_HELP, ItemsArg, User, UserArg, UserOrder, UserOrderArgument, ratings_page

NAME_HELP = ("Look up by `id` (its global id or the plain TMDB number) or by `name` (case- and accent-insensitive); "
             "give exactly one.")
USER_HELP = ("`user` takes the User's global id or plain number. The user is the signed-in one; `user` may name another "
             "only for a service key (FORBIDDEN for a signed-in "
             "user naming someone else, UNAUTHENTICATED without credentials).")
PREFIX_HELP = "Ordered by movie count; `name` keeps those whose name starts with it."


LookupId = Annotated[strawberry.ID | None, strawberry.argument(description=f"Its id. {ID_HELP}")]
LookupName = Annotated[str | None, strawberry.argument(description="Its name, case- and accent-insensitive.")]
PrefixName = Annotated[str | None, strawberry.argument(description="Keep those whose name starts with this (case- and accent-insensitive).")]


@strawberry.type(description="The movie catalogue: movies, the people who made them, and what groups them.")
class Query:
    @strawberry.field(description="Any object by its global id (Relay's Global Object Identification); null when there is none.")
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id: an object's `id`.")],
    ) -> Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(description=f"Objects by their global ids, in the order asked, null for each there is none of; at most {MAX_NODES} ids.")
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids: objects' `id`s.")]
    ) -> list[Node | None]:
        return await resolve_nodes(info, ids)

    @strawberry.field(description="A movie by id; null when there is none.")
    async def movie(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=f"The movie. {ID_HELP}")]) -> Movie | None:
        row = await info.context.loaders.movie.load(parse_id(id, "movie"))
        if row is None:
            return None
        movie = Movie.from_row(row)
        await Movie.load_relations(info, [movie], selected(info))  # its relations at once: no await per field
        return movie

    @strawberry.field(
        description=f"Movies meeting `filter`, in `orderBy` order (most popular first by default). {PAGE_HELP} A filter "
        "naming a company, director, collection, genre, country or language the catalogue lacks answers an empty "
        "page and a NOT_FOUND error naming it, leaving the other fields' answers intact."
    )
    async def movies(
        self,
        info: Info,
        filter: Annotated[MovieFilter | None, strawberry.argument(description="Conditions every movie meets; none by default.")] = None,
        order_by: Annotated[MovieOrder | None, strawberry.argument(description="The order; most popular first by default.")] = None,
        first: First20 = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Movie]:
        query = (filter or MovieFilter()).to_query(order_by)
        db = info.context.loaders.db

        async def fetch(offset: int, limit: int) -> tuple[list[MovieRow], int]:
            return await select_movie_page(db, query, offset, limit), await count_movies(db, query)

        page = await paginate(PageArgs(20, first, after, last, before), fetch, Movie.from_row)
        if page.total_count == 0 and filter is not None:
            await lookup.report_unknown_names(info, filter.named(), filter.people())
        return await page_with_relations(info, page)

    @strawberry.field(
        description="Full-text title search: case- and accent-insensitive, any word order, the last word may be a "
        "prefix (\"matri\" finds The Matrix). Best first by text relevance blended with how known a movie is: "
        f"bm25 * (1 + votes / (votes + {VOTES_HALF})), votes being TMDB's vote count (0 when unknown), then popularity. {PAGE_HELP}"
    )
    async def search(
        self, info: Info, text: Annotated[str, strawberry.argument(description=f"The words to find, at most {MAX_SEARCH_CHARS} characters.")],
        first: First10 = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Movie]:
        query = fts_query(check_text(text, "search text", MAX_SEARCH_CHARS), MAX_SEARCH_WORDS)
        if query is None:
            return connection([], Movie.from_row, 0, 0)
        terms = query

        async def fetch(offset: int, limit: int) -> tuple[list[MovieRow], int]:
            return await search_movies(info.context.loaders.db, terms, offset, limit)

        return await page_with_relations(info, await paginate(PageArgs(10, first, after, last, before), fetch, Movie.from_row))

    @strawberry.field(description=f"A production company. {NAME_HELP}")
    async def company(self, info: Info, id: LookupId = None, name: LookupName = None) -> Company | None:
        return await lookup.find(info, "company", Company.from_row, id, name)

    @strawberry.field(description=f"Production companies. {PREFIX_HELP} {PAGE_HELP}")
    async def companies(
        self, info: Info, name: PrefixName = None, first: First20 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Company]:
        return await lookup.page(info, "company", Company.from_row, name, PageArgs(20, first, after, last, before))

    @strawberry.field(description=f"A director (a person credited as Director). {NAME_HELP}")
    async def director(self, info: Info, id: LookupId = None, name: LookupName = None) -> Director | None:
        return await lookup.find(info, "director", Director.from_row, id, name)

    @strawberry.field(description=f"Directors. {PREFIX_HELP} {PAGE_HELP}")
    async def directors(
        self, info: Info, name: PrefixName = None, first: First20 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Director]:
        return await lookup.page(info, "director", Director.from_row, name, PageArgs(20, first, after, last, before))

    @strawberry.field(description=f"A collection (franchise). {NAME_HELP}")
    async def collection(self, info: Info, id: LookupId = None, name: LookupName = None) -> Collection | None:
        return await lookup.find(info, "collection", Collection.from_row, id, name)

    @strawberry.field(description=f"Collections. {PREFIX_HELP} {PAGE_HELP}")
    async def collections(
        self, info: Info, name: PrefixName = None, first: First20 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Collection]:
        return await lookup.page(info, "collection", Collection.from_row, name, PageArgs(20, first, after, last, before))

    @strawberry.field(description=f"A genre. {NAME_HELP}")
    async def genre(self, info: Info, id: LookupId = None, name: LookupName = None) -> Genre | None:
        return await lookup.find(info, "genre", Genre.from_row, id, name)

    @strawberry.field(description=f"Genres. {PREFIX_HELP} {PAGE_HELP}")
    async def genres(
        self, info: Info, name: PrefixName = None, first: First100 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Genre]:
        return await lookup.page(info, "genre", Genre.from_row, name, PageArgs(MAX_PAGE, first, after, last, before))

    @strawberry.field(description="A production country by ISO 3166-1 code or English name: \"MX\" or \"Mexico\".")
    async def country(
        self, info: Info, code: Annotated[str, strawberry.argument(description="ISO 3166-1 alpha-2 code or English name.")],
    ) -> Country | None:
        return await lookup.find_place(info, "country", Country.from_row, place_names.country(check_text(code, "code")))

    @strawberry.field(description=f"Production countries. {PREFIX_HELP} {PAGE_HELP}")
    async def countries(
        self, info: Info, name: PrefixName = None, first: First20 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Country]:
        return await lookup.page(info, "country", Country.from_row, name, PageArgs(20, first, after, last, before))

    @strawberry.field(description="A language by ISO 639-1 code or English name: \"fr\" or \"French\".")
    async def language(self, info: Info, code: Annotated[str, strawberry.argument(description="ISO 639-1 code or English name.")]) -> Language | None:
        return await lookup.find_place(info, "language", Language.from_row, place_names.language(check_text(code, "code")))

    @strawberry.field(description=f"Original languages of movies. {PREFIX_HELP} {PAGE_HELP}")
    async def languages(
        self, info: Info, name: PrefixName = None, first: First20 = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Language]:
        return await lookup.page(info, "language", Language.from_row, name, PageArgs(20, first, after, last, before))

    @strawberry.field(
        description="The best movies, best first, at most `first` (up to 100), for a user (their stored ratings, "
        "including ones just made with `rateMovie`) or for an anonymous visitor's `likes` (movie ids). The user is the "
        "signed-in one; `user` names another only for a service key (else FORBIDDEN). "
        "Movies the user rated (or the liked ones) are left out unless `excludeRated` is false. A user the model does "
        "not know and who has rated nothing gets the most rated movies (`personalized: false`)."
    )
    async def recommend(
        self, info: Info, user: UserArg = None,
        likes: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description=f"Movies an anonymous visitor likes (at most {MAX_ITEMS}), instead of `user`. {ID_HELP}")] = None,
        first: Annotated[int, strawberry.argument(description=f"How many movies, at most {MAX_PAGE}.")] = 10,
        filter: Annotated[RecommendFilter | None, strawberry.argument(
            description="Conditions every recommended movie meets; one naming an unknown genre or language answers an "
            "empty list and a NOT_FOUND error naming it.")] = None,
        exclude_rated: Annotated[bool, strawberry.argument(description="Leave out the movies the user rated (or the liked ones).")] = True,
        order_by: RecommendOrderArgument = RecommendOrder.SCORE,
    ) -> list[Recommendation]:
        return await recommender_fields.recommend(info, user, likes, first, filter, exclude_rated, order_by)

    @strawberry.field(
        description=f"The 1-5 star ratings the user is predicted to give `items`, in the order asked, reflecting the "
        f"user's latest stored ratings. {USER_HELP} Unknown movie ids are a NOT_FOUND error listing them."
    )
    async def predicted_ratings(self, info: Info, items: ItemsArg, user: UserArg = None) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, acting_user(info, user, "predicted ratings"), items)

    @strawberry.field(description=f"A user's stored ratings, newest first. {USER_HELP} {PAGE_HELP}")
    async def ratings(
        self, info: Info, user: UserArg = None, first: First20 = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Rating]:
        return await ratings_page(info, acting_user(info, user, "ratings"), PageArgs(20, first, after, last, before))

    @strawberry.field(description="The signed-in user (UNAUTHENTICATED without a sign-in token).")
    def viewer(self, info: Info) -> User:
        return User.of(acting_user(info, None, "account"))

    @strawberry.field(description=f"A user by id. {USER_HELP}")
    def user(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=f"The user. {ID_HELP}")]) -> User:
        return User.of(acting_user(info, id, "account"))

    @strawberry.field(description=f"Every user of the catalogue (of the ratings source, and everyone who rated through the "
                                  f"API), for operators only: a service key, or a server running open (FORBIDDEN for a "
                                  f"signed-in user, UNAUTHENTICATED without credentials). {PAGE_HELP}")
    async def users(
        self, info: Info, order_by: UserOrderArgument = UserOrder.ID, first: First20 = None, after: After = None, last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        require_operator(info, "the user list")

        async def fetch(offset: int, limit: int) -> tuple[list[int], int]:
            return await select_user_page(info.context.loaders.db, UserRowOrder[order_by.name], offset, limit)

        return await paginate(PageArgs(20, first, after, last, before), fetch, User.of)

    @strawberry.field(description="The recommender model currently serving.")
    def model_info(self, info: Info) -> ModelInfo:
        return recommender_fields.model_info(info)

    @strawberry.field(
        description="People (cast or crew) whose name starts with `name`, case- and accent-insensitively (\"penelope c\" "
        f"finds Penélope Cruz), credited on the most movies first (`movieCount`), then by name. {PAGE_HELP}"
    )
    async def people(
        self, info: Info, name: Annotated[str, strawberry.argument(description="The start of the name; not blank.")],
        first: First20 = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Person]:
        prefix = fold(check_text(name, "name"))
        if not prefix:
            raise BadInput("name must not be blank: people are found by the start of their name")

        async def fetch(offset: int, limit: int) -> tuple[list[PersonRow], int]:
            return await search_people(info.context.loaders.db, prefix, offset, limit)

        return await paginate(PageArgs(20, first, after, last, before), fetch, Person.from_row)

    @strawberry.field(description="A person (cast or crew) by id; null when there is none.")
    async def person(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=f"The person (a Director's id names them too). {ID_HELP}")],
    ) -> Person | None:
        row = await info.context.loaders.person.load(parse_id(id, "person"))
        return Person.from_row(row) if row else None
