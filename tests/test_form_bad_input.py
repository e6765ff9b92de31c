"""No input answers 500 (docs/design.md, "Bad input"): every form of the
staff screens and the portal gets malformed values in each of its fields
(NUL characters, numbers too large for an id, dates at the ends of the
calendar, text far too long, a time that doesn't exist, nothing at all) and
answers with a form error, never a server error; a refused form changes
nothing. The app API's own bad-input cases are in tests/api/."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from clients.models import Client, ClientStatusChange, Pet
from petcare.models import ActivityEntry, RateLimitHit, User
from scheduling.models import ScheduledEvent, ServiceType, Template
from tests import factories

pytestmark = pytest.mark.django_db

# What each field gets, one at a time (the rest of the form stays valid).
BAD_VALUES = {
    "NUL character": "Biscuit\x00Mochi",
    "30 digits": "1" * 30,
    "negative": "-1",
    "not a number": "abc",
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "no such time": "25:99",
    "far too long": "x" * 100_000,
    "empty": "",
}


def _rows() -> dict:
    """Every table a form could write, as counts and a fingerprint of values."""
    return {
        "clients": list(
            Client.objects.order_by("pk").values_list("pk", "name", "email", "is_active")
        ),
        "pets": list(
            Pet.objects.order_by("pk").values_list(
                "pk", "name", "date_of_birth", "feeding", "archived_at", "archive_reason"
            )
        ),
        "visits": list(
            ScheduledEvent.objects.order_by("pk").values_list("pk", "status", "starts_at", "sitter")
        ),
        "templates": list(Template.objects.order_by("pk").values_list("pk", "time_of_day")),
        "service types": list(
            ServiceType.objects.order_by("pk").values_list("pk", "name", "is_active")
        ),
        "history": ClientStatusChange.objects.count(),
        "activity": ActivityEntry.objects.count(),
        "logins": list(User.objects.order_by("pk").values_list("pk", "email", "password")),
        "tokens": ApiToken.objects.count(),
    }


@pytest.fixture
def world(roles, walk):
    """A small business: a client with pets, a visit, a request, a template."""
    manager = factories.OfficeManagerFactory()
    sitter = factories.SitterFactory()
    jordan = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    pets = [factories.PetFactory(client=jordan, name=n) for n in ("Biscuit", "Mochi")]
    login = factories.ClientLoginFactory(client=jordan, email="jordan@example.com")
    later = timezone.now() + timedelta(days=3)
    visit = factories.ScheduledEventFactory(client=jordan, service_type=walk, starts_at=later)
    visit.pets.add(*pets)
    request = factories.ScheduledEventFactory(
        client=jordan, service_type=walk, starts_at=later + timedelta(hours=3), status="requested"
    )
    request.pets.add(*pets)
    template = factories.TemplateFactory(client=jordan, service_type=walk, sitter=sitter)
    template.pets.add(*pets)
    return {
        "manager": manager,
        "sitter": sitter,
        "jordan": jordan,
        "pets": pets,
        "login": login,
        "visit": visit,
        "request": request,
        "template": template,
        "walk": walk,
        "day": (timezone.localdate() + timedelta(days=4)).isoformat(),
    }


def _staff(world) -> HttpClient:
    http = HttpClient()
    http.force_login(world["manager"])
    return http


def _client(world) -> HttpClient:
    http = HttpClient()
    http.force_login(world["login"])
    return http


# Each form: who posts it, where, and a valid submission.
FORMS = {
    "add client": (
        _staff,
        lambda w: reverse("clients:add"),
        lambda w: {
            "name": "Sam Lee",
            "email": "sam@example.com",
            "phone": "555 0101",
            "address": "1 Elm St",
            "notes": "Gate code 1234",
            "pets-TOTAL_FORMS": "2",
            "pets-INITIAL_FORMS": "0",
            "pets-0-name": "Rex",
            "pets-0-species": "dog",
            "pets-0-breed": "Boxer",
            "pets-0-date_of_birth": "2020-01-02",
            "pets-1-name": "",
            "pets-1-species": "dog",
        },
    ),
    "add pet": (
        _staff,
        lambda w: reverse("clients:pet_add", args=[w["jordan"].pk]),
        lambda w: {
            "name": "Pepper",
            "species": "cat",
            "breed": "Siamese",
            "date_of_birth": "2018-07-08",
            "notes": "Shy",
            "feeding": "One pouch",
            "medication": "None",
            "access": "Lockbox 1234",
            "vet": "Dr. Patel",
        },
    ),
    "edit pet": (
        _staff,
        lambda w: reverse("clients:pet_edit", args=[w["jordan"].pk, w["pets"][0].pk]),
        lambda w: {
            "name": "Biscuit",
            "species": "dog",
            "breed": "Beagle",
            "date_of_birth": "2017-01-02",
            "notes": "",
            "feeding": "Two cups",
            "medication": "",
            "access": "",
            "vet": "",
        },
    ),
    "archive pet": (
        _staff,
        lambda w: reverse("clients:pet_archive", args=[w["jordan"].pk, w["pets"][0].pk]),
        lambda w: {"reason": "passed_away", "delete_future_services": "on", "note": "At home"},
    ),
    "edit client": (
        _staff,
        lambda w: reverse("clients:edit", args=[w["jordan"].pk]),
        lambda w: {
            "name": "Jordan Reyes",
            "email": "jordan@example.com",
            "phone": "555 0102",
            "address": "2 Elm St",
            "notes": "",
        },
    ),
    "make inactive": (
        _staff,
        lambda w: reverse("clients:deactivate", args=[w["jordan"].pk]),
        lambda w: {"delete_future_events": "on", "delete_templates": "on", "reason": "Moved"},
    ),
    "add visit": (
        _staff,
        lambda w: f"{reverse('scheduling:visit_add')}?client={w['jordan'].pk}",
        lambda w: {
            "service_type": w["walk"].pk,
            "pets": [p.pk for p in w["pets"]],
            "sitter": w["sitter"].pk,
            "date": w["day"],
            "start_time": "10:00",
            "end_time": "10:30",
            "notes": "Leash by the door",
        },
    ),
    "edit visit": (
        _staff,
        lambda w: reverse("scheduling:visit_edit", args=[w["visit"].pk]),
        lambda w: {
            "service_type": w["walk"].pk,
            "pets": [w["pets"][0].pk],
            "sitter": "",
            "date": w["day"],
            "start_time": "11:00",
            "end_time": "",
            "notes": "",
        },
    ),
    "confirm request": (
        _staff,
        lambda w: reverse("scheduling:visit_confirm", args=[w["request"].pk]),
        lambda w: {"sitter": w["sitter"].pk, "allow_overlap": "on"},
    ),
    "add template": (
        _staff,
        lambda w: reverse("scheduling:template_add", args=[w["jordan"].pk]),
        lambda w: {
            "service_type": w["walk"].pk,
            "sitter": w["sitter"].pk,
            "pets": [w["pets"][1].pk],
            "weekdays": ["0", "3"],
            "time_of_day": "08:30",
            "first_date": w["day"],
            "last_date": "",
        },
    ),
    "edit template": (
        _staff,
        lambda w: reverse("scheduling:template_edit", args=[w["template"].pk]),
        lambda w: {
            "service_type": w["walk"].pk,
            "sitter": "",
            "pets": [w["pets"][0].pk],
            "weekdays": ["1"],
            "time_of_day": "09:15",
            "first_date": w["day"],
            "last_date": "",
        },
    ),
    "apply template": (
        _staff,
        lambda w: reverse("scheduling:template_apply", args=[w["template"].pk]),
        lambda w: {"start_date": w["day"], "end_date": w["day"]},
    ),
    "add service type": (
        _staff,
        lambda w: reverse("scheduling:service_type_add"),
        lambda w: {"name": "Cat visit", "duration_minutes": "20", "price": "18.50"},
    ),
    "edit service type": (
        _staff,
        lambda w: reverse("scheduling:service_type_edit", args=[w["walk"].pk]),
        lambda w: {"name": "Dog walk", "duration_minutes": "45", "price": "30"},
    ),
    "request a service (portal)": (
        _client,
        lambda w: reverse("portal:request_service"),
        lambda w: {
            "service_type": w["walk"].pk,
            "pets": [w["pets"][0].pk],
            "date": w["day"],
            "time": "10:00",
            "note": "Thanks",
        },
    ),
    "own details (portal)": (
        _client,
        lambda w: reverse("portal:profile_edit"),
        lambda w: {
            "name": "Jordan Reyes",
            "email": "jordan@example.com",
            "phone": "555 0103",
            "address": "3 Elm St",
            "current_password": "",
        },
    ),
    "password reset (portal)": (
        lambda w: HttpClient(),
        lambda w: reverse("portal:password_reset"),
        lambda w: {"email": "jordan@example.com"},
    ),
    "portal sign-in": (
        lambda w: HttpClient(),
        lambda w: reverse("portal:login"),
        lambda w: {"username": "jordan@example.com", "password": "wrong"},
    ),
    "staff sign-in": (
        lambda w: HttpClient(),
        lambda w: reverse("login"),
        lambda w: {"username": "nobody@example.com", "password": "wrong"},
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_no_field_of_a_form_answers_500_to_bad_input(world, form):
    signed_in, url_of, valid = FORMS[form]
    cases = 0
    for field in valid(world):
        for label, bad in BAD_VALUES.items():
            data = {**valid(world), field: bad}
            before = _rows()
            # The API's throttling and the reset limit count: start afresh.
            RateLimitHit.objects.all().delete()

            response = signed_in(world).post(url_of(world), data)

            cases += 1
            assert response.status_code < 500, (form, field, label, response.status_code)
            if response.status_code == 400:
                assert _rows() == before, (form, field, label)
                page = response.content.decode()
                assert "nothing was" in page.lower() or "error" in page.lower(), (form, field)
    assert cases == len(valid(world)) * len(BAD_VALUES)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("clients:list", {"status": "x" * 1000, "q": "\x00", "page": "1" * 30}),
        ("clients:list", {"q": "x" * 100_000}),
        ("scheduling:schedule", {"sitter": "1" * 30, "status": "\x00", "date": "9999-12-31"}),
        ("scheduling:schedule", {"date": "0001-01-01"}),
    ],
)
def test_no_page_answers_500_to_bad_query_parameters(world, url, params):
    response = _staff(world).get(reverse(url), params)

    assert response.status_code < 500


@pytest.mark.parametrize(
    "path", ["/clients/{}/", "/schedule/visits/{}/", "/clients/{}/deactivate/"]
)
def test_an_id_too_large_for_the_database_is_a_404(world, path):
    response = _staff(world).get(path.format("9" * 30))

    assert response.status_code == 404
