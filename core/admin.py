from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, OutboxMessage


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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Where failed mail shows: read-only, because only the delivery task and the sweeper change a
    message (a hand-edited row would be sent as edited, or twice)."""

    list_display = ("created_at", "status", "recipients", "subject", "template", "language", "attempts", "sent_at")
    list_filter = ("status", "template", "language")
    search_fields = ("to", "subject", "reference", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    @admin.display(description=_("Recipients"))
    def recipients(self, message: OutboxMessage) -> str:
        return ", ".join(message.to)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
