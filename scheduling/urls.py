from datetime import date

from django.urls import path, register_converter

from .views import schedule, service_types, templates, visits

app_name = "scheduling"


class IsoDateConverter:
    """A day in a URL, YYYY-MM-DD; a date that doesn't exist is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        day = date.fromisoformat(value)  # ValueError: no match, so a 404
        if not 1970 <= day.year <= 2999:
            raise ValueError("Out of the schedule's range.")
        return day

    def to_url(self, value: date | str) -> str:
        # A template passes a formatted date: {% url "scheduling:day" d|date:"Y-m-d" %}.
        return (
            date.fromisoformat(value).isoformat() if isinstance(value, str) else value.isoformat()
        )


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", schedule.schedule_index, name="index"),
    # "scheduling:schedule" is the Schedule in the sidebar: this week.
    path("week/", schedule.schedule_week, name="schedule"),
    path("week/<isodate:day>/", schedule.schedule_week, name="week"),
    path("day/", schedule.schedule_day, name="today"),
    path("day/<isodate:day>/", schedule.schedule_day, name="day"),
    path("visits/add/", visits.visit_add, name="visit_add"),
    path("visits/<id:pk>/", visits.visit_detail, name="visit"),
    path("visits/<id:pk>/edit/", visits.visit_edit, name="visit_edit"),
    path("visits/<id:pk>/cancel/", visits.visit_cancel, name="visit_cancel"),
    path("visits/<id:pk>/complete/", visits.visit_complete, name="visit_complete"),
    path("visits/<id:pk>/confirm/", visits.visit_confirm, name="visit_confirm"),
    path("visits/<id:pk>/decline/", visits.visit_decline, name="visit_decline"),
    path("clients/<id:client_pk>/templates/add/", templates.template_add, name="template_add"),
    path("templates/<id:pk>/edit/", templates.template_edit, name="template_edit"),
    path("templates/<id:pk>/remove/", templates.template_remove, name="template_remove"),
    path("templates/<id:pk>/apply/", templates.template_apply, name="template_apply"),
    path("service-types/", service_types.service_type_list, name="service_types"),
    path("service-types/add/", service_types.service_type_add, name="service_type_add"),
    path("service-types/<id:pk>/edit/", service_types.service_type_edit, name="service_type_edit"),
    path(
        "service-types/<id:pk>/archive/",
        service_types.service_type_archive,
        name="service_type_archive",
    ),
    path(
        "service-types/<id:pk>/unarchive/",
        service_types.service_type_unarchive,
        name="service_type_unarchive",
    ),
]
