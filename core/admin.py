from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only in the admin as everywhere: nobody adds, changes or deletes audit events."""

    list_display = ("at", "actor_name", "action", "content_type", "object_repr", "ip_address", "source")
    list_filter = ("action", "content_type", "source")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
