from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("add/", views.client_create, name="add"),
    path("<id:pk>/", views.client_detail, name="detail"),
    path("<id:pk>/edit/", views.client_update, name="edit"),
    path("<id:pk>/deactivate/", views.client_deactivate, name="deactivate"),
    path("<id:pk>/reactivate/", views.client_reactivate, name="reactivate"),
    path("<id:pk>/invite/", views.client_invite, name="invite"),
    path("<id:pk>/pets/add/", views.pet_create, name="pet_add"),
    path("<id:pk>/pets/<id:pet_pk>/edit/", views.pet_update, name="pet_edit"),
    path("<id:pk>/pets/<id:pet_pk>/archive/", views.pet_archive, name="pet_archive"),
    path("<id:pk>/upcoming/", views.client_upcoming, name="upcoming"),
    path("<id:pk>/history/", views.client_history, name="history"),
    path("<id:pk>/templates/", views.client_templates, name="templates"),
]
