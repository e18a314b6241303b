"""Error reporting: errors a client can act on keep their message and get an `extensions.code`;
anything unexpected is logged by Strawberry with its traceback and masked for the client.

A code comes from a type, never from a message: the project's errors carry theirs (data/errors.py);
graphql-core's own get theirs from the phase that raised them. A syntax error (and the token
limit's) is a GraphQLSyntaxError: GRAPHQL_PARSE_FAILED. Whatever validation refuses ("is never
used", "is not defined", a literal of the wrong type, the depth and alias limits) is
GRAPHQL_VALIDATION_FAILED. Execution first coerces the variables' values, before any field runs,
so an error of that phase with no field path is a value that does not fit its type: BAD_USER_INPUT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, SchemaExtension

from data.errors import MoviegraphError
from schema.context import Info

MASKED_MESSAGE = "Unexpected error; it has been logged."


def _set_code(errors: Iterable[GraphQLError], code: str) -> None:
    for error in errors:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}


class PhaseCodes(SchemaExtension):
    """Codes graphql-core's errors by the phase that raised them (see the module docstring), all
    but the parse phase's: `code_parse_errors`."""

    def on_validate(self) -> Iterator[None]:
        yield
        _set_code(self.execution_context.pre_execution_errors or [], "GRAPHQL_VALIDATION_FAILED")

    def on_execute(self) -> Iterator[None]:
        yield
        errors = self.execution_context.pre_execution_errors or []
        _set_code((error for error in errors if error.path is None and not is_unexpected(error)), "BAD_USER_INPUT")


def code_parse_errors(errors: list[GraphQLError]) -> None:
    """Codes a syntax error (or the token limit's), which PhaseCodes cannot: ParserCache raises it
    as it enters the parse phase, before any extension's hook gets to the end of that phase."""
    _set_code((error for error in errors if isinstance(error, GraphQLSyntaxError)), "GRAPHQL_PARSE_FAILED")


# graphql-core's suggestions (graphql.pyutils.did_you_mean) name schema members only, quoted, so
# none holds a '?': fields, arguments, types, enum values and input fields alike.
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def remove_suggestions(errors: list[GraphQLError]) -> None:
    """Drops "Did you mean ...?" from the messages: with introspection off, they would reveal the schema."""
    for error in errors:
        error.message = _SUGGESTION.sub("", error.message)


def is_unexpected(error: GraphQLError) -> bool:
    """True for a bug or outage, not something the client did; these are logged and masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False  # about the query itself: syntax, validation, limits, variable values
    return not (isinstance(original, MoviegraphError) and original.code)


def masked(error: GraphQLError) -> GraphQLError:
    """What a client sees of an unexpected error: where it happened, not what it was."""
    return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
                        extensions={"code": "INTERNAL_SERVER_ERROR"})


class ClientErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)


def report_non_fatal(info: Info, error: MoviegraphError) -> None:
    """Reports `error` at this field while its resolver still answers (see NonFatalErrors)."""
    info.context.non_fatal.append(GraphQLError(str(error), nodes=info._raw_info.field_nodes, path=info.path.as_list(),
                                               original_error=error, extensions=error.extensions))


class NonFatalErrors(SchemaExtension):
    """Adds the errors fields reported without failing (`report_non_fatal`) to the response: the
    field keeps its answer, its siblings theirs, and the client still learns what went wrong."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        reported = getattr(self.execution_context.context, "non_fatal", None)
        if result is not None and reported:
            result.errors = [*(result.errors or []), *reported]
