from django.contrib import admin
from django.urls import include, path

from api.api import app_api

from . import views
from .admin import restrict_admin_to_admin_group

restrict_admin_to_admin_group(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.StaffLoginView.as_view(), name="login"),
    path("signout/", views.StaffLogoutView.as_view(), name="logout"),
    path("clients/", include("clients.urls")),
    path("schedule/", include("scheduling.urls")),
    path("portal/", include("portal.urls")),
    path("api/app/v1/", app_api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "petcare.views.bad_request"
handler403 = "petcare.views.permission_denied"
handler404 = "petcare.views.page_not_found"
handler500 = "petcare.views.server_error"
