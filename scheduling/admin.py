from django.contrib import admin

from .models import ScheduledEvent, ServiceType, Template


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration", "price", "is_active"]


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "client", "service_type", "sitter", "status"]
    list_filter = ["status"]
    list_select_related = ["client", "service_type", "sitter"]
    raw_id_fields = ["client", "template"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["client", "service_type", "time_of_day", "first_date", "last_date"]
    list_select_related = ["client", "service_type"]
    raw_id_fields = ["client"]
