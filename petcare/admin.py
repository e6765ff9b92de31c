from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ActivityEntry, User
from .policy import Refused
from .roles import ADMIN

ADMIN_ONLY = (
    "The Django admin is only for the Admin role. Everything about clients and the "
    "schedule is in Petcare's own pages; ask an admin if something needs changing there."
)


def restrict_admin_to_admin_group(site: admin.AdminSite) -> None:
    """Only active staff of the Admin group enter the Django admin."""

    def has_permission(request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and user.client_id is None
            and (user.is_superuser or user.groups.filter(name=ADMIN).exists())
        )

    django_login = site.login

    def login(request, extra_context=None):
        # Django's own page would offer a signed-in office manager another
        # sign-in form with "not authorized"; ours says why, in their layout.
        if request.user.is_authenticated and not has_permission(request):
            raise Refused(ADMIN_ONLY)
        return django_login(request, extra_context)

    site.has_permission = has_permission
    site.login = login
    site.site_header = "Petcare administration"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "client", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    raw_id_fields = ["client"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "client"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(ActivityEntry)
class ActivityEntryAdmin(admin.ModelAdmin):
    """The activity log, read-only: the services write it."""

    list_display = ["at", "action", "actor", "client", "object_type", "object_id"]
    list_filter = ["action"]
    list_select_related = ["actor", "client"]
    search_fields = ["client__name", "actor__email", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
