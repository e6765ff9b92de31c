from datetime import date

from django.urls import path, register_converter

from . import views

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
    path("", views.schedule_index, name="index"),
    # "scheduling:schedule" is the Schedule in the sidebar: this week.
    path("week/", views.schedule_week, name="schedule"),
    path("week/<isodate:day>/", views.schedule_week, name="week"),
    path("day/", views.schedule_day, name="today"),
    path("day/<isodate:day>/", views.schedule_day, name="day"),
    path("visits/add/", views.visit_add, name="visit_add"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visits/<int:pk>/confirm/", views.visit_confirm, name="visit_confirm"),
    path("visits/<int:pk>/decline/", views.visit_decline, name="visit_decline"),
    path("clients/<int:client_pk>/templates/add/", views.template_add, name="template_add"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/remove/", views.template_remove, name="template_remove"),
    path("templates/<int:pk>/apply/", views.template_apply, name="template_apply"),
    path("service-types/", views.service_type_list, name="service_types"),
    path("service-types/add/", views.service_type_add, name="service_type_add"),
    path("service-types/<int:pk>/edit/", views.service_type_edit, name="service_type_edit"),
    path(
        "service-types/<int:pk>/archive/",
        views.service_type_archive,
        name="service_type_archive",
    ),
    path(
        "service-types/<int:pk>/unarchive/",
        views.service_type_unarchive,
        name="service_type_unarchive",
    ),
]
