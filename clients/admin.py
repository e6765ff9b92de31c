"""The Django admin as a safe back office: every write goes through the same
services as the staff screens (their lock, rules, history and activity log),
and what only the services may change is read-only here."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from . import services
from .forms import DeactivateForm, ReactivateForm
from .models import Client, ClientStatusChange, Pet


class PetInline(admin.StackedInline):
    # Stacked: each field with its own label (the tabular inline's inputs
    # have none for screen readers).
    model = Pet
    extra = 0
    fields = ["name", "species", "breed", "notes"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "is_active", "deactivated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "email", "phone_digits", "pets__name"]
    inlines = [PetInline]
    fields = [
        "name",
        "email",
        "phone",
        "address",
        "notes",
        "is_active",
        "deactivated_at",
        "deactivated_by",
    ]
    # Status changes go through Make Inactive / Re-Activate (the actions
    # below), which keep the history, the schedule and the lock-out right.
    readonly_fields = ["is_active", "deactivated_at", "deactivated_by"]
    actions = ["make_inactive", "reactivate"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clients are never deleted

    def save_model(self, request, obj, form, change) -> None:
        """Add or edit through the services: the row is locked and only the
        details that changed are written, so an admin form loaded before a
        Make Inactive can't make the client active again."""
        details = {name: form.cleaned_data[name] for name in services.CLIENT_FIELDS}
        try:
            if change:
                changed = {name: details[name] for name in form.changed_data if name in details}
                saved = services.update_client(obj, actor=request.user, **changed)
            else:
                saved = services.create_client(actor=request.user, **details)
        except services.DuplicateClientEmail as error:
            # The form's constraint check usually says so first; a client
            # added meanwhile ends here.
            raise PermissionDenied(
                f"{error} ({error.existing.name}): nothing was saved. Go back and use another."
            ) from None
        obj.pk = saved.pk
        obj.refresh_from_db()

    def _change_status(self, request, queryset, *, deactivate: bool):
        form_class = DeactivateForm if deactivate else ReactivateForm
        kwargs = {"has_templates": True} if deactivate else {}
        form = form_class(request.POST if "confirm" in request.POST else None, **kwargs)
        if "confirm" in request.POST and form.is_valid():
            done = skipped = 0
            for client in queryset.order_by("pk"):
                try:
                    if deactivate:
                        services.deactivate_client(
                            client,
                            actor=request.user,
                            reason=form.cleaned_data["reason"],
                            **form.options,
                        )
                    else:
                        services.reactivate_client(
                            client, actor=request.user, reason=form.cleaned_data["reason"]
                        )
                    done += 1
                except (services.ClientAlreadyInactive, services.ClientAlreadyActive):
                    skipped += 1
            state = "inactive" if deactivate else "active"
            self.message_user(
                request,
                f"{'Made' if deactivate else 'Re-activated'} {done} client"
                f"{'' if done == 1 else 's'}{' inactive' if deactivate else ''}; "
                f"{skipped} {'was' if skipped == 1 else 'were'} already {state}.",
                messages.SUCCESS if done else messages.WARNING,
            )
            return None
        title = "Make Inactive" if deactivate else "Re-Activate"
        return TemplateResponse(
            request,
            "admin/clients/client/change_status.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "question": (
                    "Make these clients inactive? They will no longer be able to sign in; "
                    "they are not notified."
                    if deactivate
                    else "Re-activate these clients? Their logins can sign in again; nothing "
                    "that was removed comes back by itself."
                ),
                "queryset": queryset,
                "form": form,
                "action": "make_inactive" if deactivate else "reactivate",
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
            status=400 if form.is_bound else 200,
        )

    @admin.action(description="Make Inactive", permissions=["change_status"])
    def make_inactive(self, request, queryset):
        return self._change_status(request, queryset, deactivate=True)

    @admin.action(description="Re-Activate", permissions=["change_status"])
    def reactivate(self, request, queryset):
        return self._change_status(request, queryset, deactivate=False)

    def has_change_status_permission(self, request) -> bool:
        return request.user.has_perm("clients.change_client_status")


@admin.register(Pet)
class PetAdmin(admin.ModelAdmin):
    list_display = ["name", "species", "breed", "client"]
    list_filter = ["species"]
    search_fields = ["name", "breed", "client__name"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]


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
    search_fields = ["client__name"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
