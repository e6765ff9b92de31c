"""The app's sign-ins in the Django admin: to see them, and to sign one out."""

from django.contrib import admin

from .models import ApiToken
from .tokens import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["sign_out"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Sign out (the app signs in again)")
    def sign_out(self, request, queryset):
        signed_out = sum(revoke_token(token) for token in queryset)
        self.message_user(request, f"Signed out {signed_out} app sign-in(s).")
