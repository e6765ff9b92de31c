"""What the client app sends and receives (the OpenAPI schema is made from these).

Times go out in the business's time zone with its UTC offset
("2030-05-06T09:00:00-04:00"); times coming in must carry an offset.

What comes in is read as the schema says and no more: an id is a JSON
integer in the database's range (not "12", not true), a time is text (not a
number of seconds), text has a length limit and no NUL character, and a
number in a query string is digits within its bounds (not "1.0").
Anything else is a 422 ``validation_error`` naming the field.
"""

import re
from datetime import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from scheduling.services.checks import NOTE_MAX_LENGTH

LocalDateTime = Annotated[
    datetime,
    PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


def _json_integer(value):
    """JSON Schema's integer: a number without a fraction (1.0 is 1), never
    text ("12") nor true or false."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# Ids are the database's 64-bit integers: a larger number names nothing, and
# SQLite can't even compare one with a column. (The bounds come before the
# validator, or the schema shows them as unknown keywords.)
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]

# No NUL character in any text: no one types one, and PostgreSQL can't store
# or even look one up.
NO_NUL = r"^[^\x00]*$"
NUL_REFUSED = "Remove the NUL character (\\u0000) from this text."

# RFC 3339, what the schema's "date-time" means. pydantic alone would also
# take a number of seconds, in a string or not.
RFC_3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _date_time_text(value):
    """A time as RFC 3339 text, with its offset; pydantic then reads it."""
    if isinstance(value, str) and RFC_3339.fullmatch(value):
        return value
    raise PydanticCustomError(
        "date_time_format",
        "Enter a date and time with its UTC offset, e.g. 2030-05-06T09:00:00-04:00.",
    )


OffsetDateTime = Annotated[AwareDatetime, BeforeValidator(_date_time_text)]

# A number in a query string is text: only ASCII digits, perhaps after a
# minus sign (which the bounds then refuse).
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,30}")


def _query_integer(value):
    """A whole number in a query string; not "1.0", "1e2", " 5", "2_0" nor "abc"."""
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise PydanticCustomError("int_parsing", "Enter a whole number, e.g. 20.")


# How many visits a page of the upcoming ones holds, unless the app says.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), BeforeValidator(_query_integer)]


class Error(Schema):
    detail: str = Field(
        description="A stable code, e.g. invalid_token, validation_error: "
        "each response says which it carries."
    )
    message: str = Field(description="A sentence for people.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Messages per field, for validation errors."
    )


class Credentials(Schema):
    email: str = Field(max_length=254, pattern=NO_NUL)
    password: str = Field(max_length=4096, pattern=NO_NUL)


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str


class IssuedTokenOut(Schema):
    token: str = Field(description="Send it as 'Authorization: Bearer <token>'. Shown once.")
    expires_at: LocalDateTime
    user: UserOut

    @staticmethod
    def resolve_expires_at(issued) -> datetime:
        return issued.api_token.expires_at

    @staticmethod
    def resolve_user(issued):
        return issued.api_token.user


class ClientOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    address: str


class PetOut(Schema):
    id: int
    name: str
    species: str
    breed: str


class MeOut(Schema):
    user: UserOut
    client: ClientOut
    pets: list[PetOut]


class ServiceOut(Schema):
    id: int
    name: str


class PetRef(Schema):
    id: int
    name: str


class SitterOut(Schema):
    first_name: str


class EventOut(Schema):
    id: int
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    status: str
    service: ServiceOut
    pets: list[PetRef]
    sitter: SitterOut | None = Field(description="Only the sitter's first name.")

    @staticmethod
    def resolve_service(event):
        return event.service_type

    @staticmethod
    def resolve_pets(event):
        return list(event.pets.all())

    @staticmethod
    def resolve_sitter(event):
        return event.sitter


class EventPageOut(Schema):
    items: list[EventOut] = Field(
        description="Up to `limit` visits, soonest first (by start, then by id)."
    )
    next: str | None = Field(
        description="Send it as `cursor` for the following page; null on the last page."
    )


class VisitRequestIn(Schema):
    service_type_id: Id
    pet_ids: list[Id] = Field(max_length=50)
    starts_at: OffsetDateTime = Field(description="With a UTC offset.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH, pattern=NO_NUL)
