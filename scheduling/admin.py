"""The schedule in the Django admin: to look things up. Visits and templates
are read-only here (the staff screens change them through the scheduling
services and their guards); service types are saved and archived through
their services, and one in use is never deleted."""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse

from .models import ScheduledEvent, ServiceType, Template
from .services import service_types as services


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and viewable; changed only on the staff screens."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration", "price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = ["name", "duration", "price", "is_active"]
    # Archived and offered again with the actions, which log it.
    readonly_fields = ["is_active"]
    actions = ["archive", "offer_again"]

    def save_model(self, request, obj, form, change) -> None:
        services.save_service_type(obj, actor=request.user)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        # Bulk delete would fail on any service type in use: archive instead.
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        service_type = self.get_object(request, object_id)
        if service_type is not None and _in_use(service_type):
            self.message_user(
                request,
                f"“{service_type}” can't be deleted: visits or templates use it. "
                "Archive it instead (the Archive action), so it is offered for nothing new.",
                messages.ERROR,
            )
            return redirect(reverse("admin:scheduling_servicetype_change", args=[object_id]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Archive (offer for nothing new)")
    def archive(self, request, queryset):
        for service_type in queryset:
            services.set_service_type_offered(service_type, offered=False, actor=request.user)
        self.message_user(request, f"Archived {queryset.count()} service type(s).")

    @admin.action(description="Offer again")
    def offer_again(self, request, queryset):
        for service_type in queryset:
            services.set_service_type_offered(service_type, offered=True, actor=request.user)
        self.message_user(request, f"{queryset.count()} service type(s) offered again.")


def _in_use(service_type: ServiceType) -> bool:
    used_by = Exists(ScheduledEvent.objects.filter(service_type=OuterRef("pk"))) | Exists(
        Template.objects.filter(service_type=OuterRef("pk"))
    )
    return ServiceType.objects.filter(used_by, pk=service_type.pk).exists()


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "client", "service_type", "sitter", "status"]
    list_filter = ["status", "service_type"]
    list_select_related = ["client", "service_type", "sitter"]
    search_fields = ["client__name"]
    date_hierarchy = "starts_at"


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ["client", "service_type", "weekdays_display", "time_of_day", "first_date"]
    list_filter = ["service_type"]
    list_select_related = ["client", "service_type"]
    search_fields = ["client__name"]
