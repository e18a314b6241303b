"""Error reporting: errors a client can act on keep their message and get an `extensions.code`;
anything unexpected is logged by Strawberry with its traceback and masked for the client."""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

from data.errors import MoviegraphError

MASKED_MESSAGE = "Unexpected error; it has been logged."


def add_codes(errors: list[GraphQLError]) -> None:
    """Gives errors about the query itself (syntax, validation, limits, variables) a code too."""
    for error in errors:
        if not (error.extensions or {}).get("code"):
            if isinstance(error, GraphQLSyntaxError) or "max tokens" in error.message:
                code = "GRAPHQL_PARSE_FAILED"
            elif error.message.startswith("Variable '$"):
                code = "BAD_USER_INPUT"  # a variable's value does not fit its type
            else:
                code = "GRAPHQL_VALIDATION_FAILED"
            error.extensions = {**(error.extensions or {}), "code": code}


def is_unexpected(error: GraphQLError) -> bool:
    """True for a bug or outage, not something the client did; these are logged and masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False  # about the query itself: syntax, validation, limits, variable values
    return not (isinstance(original, MoviegraphError) and original.code)


class ClientErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked
