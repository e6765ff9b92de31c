"""What the client app sends and receives (the OpenAPI schema is made from these).

Times go out in the business's time zone with its UTC offset
("2030-05-06T09:00:00-04:00"); times coming in must carry an offset.
"""

from datetime import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AwareDatetime, PlainSerializer

LocalDateTime = Annotated[
    datetime,
    PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str),
]


class Error(Schema):
    detail: str = Field(description="A stable code, e.g. invalid_token, validation_error.")
    message: str = Field(description="A sentence for people.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Messages per field, for validation errors."
    )


class Credentials(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)


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


class VisitRequestIn(Schema):
    service_type_id: int
    pet_ids: list[int] = Field(max_length=50)
    starts_at: AwareDatetime = Field(description="With a UTC offset.")
    note: str = ""
