"""People and their credits: the cast and crew of a movie, the filmography of a person."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from loaders.rows import CreditedPersonRow, PersonRow
from schema import images
from schema.context import Info
from schema.input_limits import check_text
from schema.movie_reference import MovieReference
from schema.node import Node, global_id
from schema.pagination import MAX_PAGE, Count, page_window


@strawberry.enum(description="Gender as TMDB records it.")
class Gender(Enum):
    UNKNOWN = strawberry.enum_value(0, description="Not recorded (TMDB's 0), or a value TMDB has no name for.")
    FEMALE = strawberry.enum_value(1, description="Female (TMDB's 1).")
    MALE = strawberry.enum_value(2, description="Male (TMDB's 2).")


@strawberry.type(description="Anyone credited in the cast or crew of a movie.")
class Person(Node):
    tmdb_id: int = strawberry.field(description="TMDB person id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Name as credited.")
    gender: Gender = strawberry.field(description="Gender as TMDB records it.")
    profile_path: str | None = strawberry.field(description="TMDB image path of the portrait.")
    _key: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: PersonRow) -> Person:
        return cls._of(row.id, row.name, row.gender, row.profile_path)

    @classmethod
    def from_credit(cls, row: CreditedPersonRow) -> Person:
        """The person a cast or crew row names."""
        return cls._of(row.person_id, row.name, row.gender, row.profile_path)

    @classmethod
    def _of(cls, person_id: int, name: str, gender: int | None, profile_path: str | None) -> Person:
        known = Gender(gender) if gender in (1, 2) else Gender.UNKNOWN
        return cls(id=global_id("Person", person_id), tmdb_id=person_id, name=name, gender=known, profile_path=profile_path, _key=person_id)

    @strawberry.field(description=f"The portrait's URL in `size`; {images.URL_HELP}")
    def profile_url(self, info: Info, size: images.ProfileSizeArg = images.ProfileSize.W185) -> str | None:
        return images.url(info, size, self.profile_path)

    @strawberry.field(description="Distinct movies the person is credited on, in the cast or the crew.")
    async def movie_count(self, info: Info) -> int:
        return await info.context.loaders.person_movie_count.load(self._key)

    @strawberry.field(description=f"Roles played, newest movie first, at most `first` (up to {MAX_PAGE}).")
    async def cast_credits(self, info: Info, first: Count = MAX_PAGE) -> list[CastCredit]:
        page_window(first, None)
        rows = await info.context.loaders.cast_credits.load((self._key, first))
        return [CastCredit(person=self, character=row.character, order=row.order, _movie_id=row.id) for row in rows]

    @strawberry.field(
        description=f"Jobs held, newest movie first, at most `first` (up to {MAX_PAGE}); `job` (exact, e.g. \"Director\") keeps only that job."
    )
    async def crew_credits(
        self, info: Info, job: Annotated[str | None, strawberry.argument(description="Keep only this job (exact, e.g. \"Director\").")] = None,
        first: Count = MAX_PAGE,
    ) -> list[CrewCredit]:
        page_window(first, None)
        rows = await info.context.loaders.crew_credits.load((self._key, check_text(job, "job") if job is not None else None, first))
        return [CrewCredit(person=self, job=row.job, department=row.department, _movie_id=row.id) for row in rows]


@strawberry.interface(description="A person's credit on a movie.")
class Credit(MovieReference):
    person: Person = strawberry.field(description="Who is credited.")


@strawberry.type(description="A role in a movie's cast.")
class CastCredit(Credit):
    character: str | None = strawberry.field(description="The character, as credited.")
    order: int = strawberry.field(description="Billing position; 0 is top-billed.")


@strawberry.type(description="A job in a movie's crew.")
class CrewCredit(Credit):
    job: str = strawberry.field(description="The job, e.g. Director, Screenplay, Original Music Composer.")
    department: str | None = strawberry.field(description="The department, e.g. Directing, Writing, Sound.")
