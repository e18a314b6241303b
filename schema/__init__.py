"""The GraphQL schema, with its limits and error handling."""

from __future__ import annotations

import strawberry
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache

from strawberry.schema.config import StrawberryConfig

from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.errors import ClientErrors, is_unexpected
from schema.query import Query
from schema.scalars import SCALARS

# Generous for real queries (the deepest useful one, movie > directors > movies > cast > person >
# castCredits > movie, is 8 deep), tight enough that a hostile query is refused before it runs.
MAX_DEPTH = 10
MAX_TOKENS = 2_000
MAX_ALIASES = 30

# The limiters' rule classes are made once: built per request (as the stock extensions do), they
# would change ValidationCache's key every time and every query would be validated anew (~1.5 ms).
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


class QueryLimits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__(_LIMIT_RULES)


class MoviegraphSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Strawberry logs every error with a traceback; only the unexpected ones deserve it.
        super().process_errors([error for error in errors if is_unexpected(error)], execution_context)


schema = MoviegraphSchema(
    query=Query,
    config=StrawberryConfig(scalar_map=SCALARS),
    # Factories: Strawberry builds fresh extensions per request (the caches live at module level).
    extensions=[
        ClientErrors,
        QueryLimits,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ],
)
