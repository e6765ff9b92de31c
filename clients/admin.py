from django.contrib import admin

from .models import Client, ClientStatusChange, Pet


class PetInline(admin.TabularInline):
    model = Pet
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "is_active", "deactivated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "email", "phone_digits", "pets__name"]
    inlines = [PetInline]
    # Status changes go through Make Inactive / Re-Activate, which keep the
    # history and the schedule right.
    readonly_fields = ["is_active", "deactivated_at", "deactivated_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clients are never deleted


@admin.register(ClientStatusChange)
class ClientStatusChangeAdmin(admin.ModelAdmin):
    list_display = [
        "client",
        "action",
        "actor",
        "changed_at",
        "events_removed",
        "templates_removed",
    ]
    list_filter = ["action"]
    list_select_related = ["client", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
