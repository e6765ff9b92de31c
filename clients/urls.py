from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("add/", views.client_create, name="add"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_update, name="edit"),
    path("<int:pk>/deactivate/", views.client_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.client_reactivate, name="reactivate"),
    path("<int:pk>/invite/", views.client_invite, name="invite"),
    path("<int:pk>/upcoming/", views.client_upcoming, name="upcoming"),
    path("<int:pk>/history/", views.client_history, name="history"),
]
