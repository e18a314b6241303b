"""The GraphQL door: Strawberry types (one per module), thin resolvers, the Query and Mutation
roots, pagination, query limits and cost, error codes; `build_schema` puts them together
(called by the app; importing this package builds nothing).

May import loaders/, ml/ (types only: scores come through loaders/recommender.py) and data/;
never api/."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from data.domain import MAX_QUERY_COST
from schema.cost import LongestLists, QueryCost
from schema.document_limits import max_aliases_rule, max_depth_rule
from schema.errors import ClientErrors, NonFatalErrors, PhaseCodes, is_unexpected, remove_suggestions
from schema.fair_turns import FairTurns
from schema.input_limits import UnicodeVariables
from schema.mutation import Mutation
from schema.query import Query
from schema.scalars import SCALARS
from schema.sibling_fields import gather_settled  # noqa: F401  (importing it installs it in graphql-core)

# Generous for real queries (the deepest useful one, movie > directors > movies > edges > node >
# cast > person > castCredits > movie, is 10 deep), tight enough that a hostile query is refused before it runs.
MAX_DEPTH = 10
MAX_TOKENS = 2_000
MAX_ALIASES = 30

# The limiters' rule classes are made once: built per request (as the stock extensions do), they
# would change ValidationCache's key every time and every query would be validated anew (~1.5 ms).
_LIMIT_RULES: list[type[ASTValidationRule]] = [max_depth_rule(MAX_DEPTH), max_aliases_rule(MAX_ALIASES)]
# Introspection off: GraphiQL (and any tool that loads the schema) can no longer read it.
_NO_INTROSPECTION_RULES: list[type[ASTValidationRule]] = [*_LIMIT_RULES, NoSchemaIntrospectionCustomRule]


class QueryLimits(AddValidationRules):
    def __init__(self, introspection: bool = True) -> None:
        super().__init__(_LIMIT_RULES if introspection else _NO_INTROSPECTION_RULES)


class MoviegraphSchema(strawberry.Schema):
    # With introspection off, "Did you mean 'deleteRating'?" would tell what introspection does not.
    hide_suggestions = False

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        if self.hide_suggestions:
            remove_suggestions(errors)
        # Strawberry logs every error with a traceback; only the unexpected ones deserve it.
        super().process_errors([error for error in errors if is_unexpected(error)], execution_context)


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def build_schema(
    *, introspection: bool = True, max_cost: int = MAX_QUERY_COST, longest_lists: LongestLists | None = None,
    extensions: Sequence[Extension] = (), max_batch: int = 0,
) -> MoviegraphSchema:
    """The schema with these limits; `longest_lists` is filled from the catalogue at start-up
    (schema/cost.py); `extensions` are the server's own (request log, metrics); `max_batch`
    operations may come in one HTTP request (0: no batching)."""
    longest = longest_lists or LongestLists()
    built = MoviegraphSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALARS, batching_config={"max_operations": max_batch} if max_batch else None),
        # Factories: Strawberry builds fresh extensions per request (the caches live at module level).
        extensions=[
            ClientErrors,
            PhaseCodes,
            NonFatalErrors,
            lambda: QueryLimits(introspection),
            UnicodeVariables,
            lambda: QueryCost(max_cost, longest),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            FairTurns,
            *extensions,
        ],
    )
    built.hide_suggestions = not introspection
    return built


@functools.cache
def default_schema() -> MoviegraphSchema:
    """The schema with the default limits (schema.graphql, tests), built on first use, not at import."""
    return build_schema()
