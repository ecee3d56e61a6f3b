"""Administrators configure complaint handling here: the category tree, SLA policies, the holiday
calendar (holidays and make-up working days) and the escalation levels. Complaints themselves change
only through the workflow, so they are read-only in the admin. Every configuration change is in the
audit trail (core.admin_audit)."""

from django.contrib import admin

from core.admin_audit import AuditedModelAdmin

from .models import CalendarDay, Complaint, ComplaintCategory, EscalationRule, SlaPolicy


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(AuditedModelAdmin):
    list_display = ("name", "name_zh", "parent", "code", "position", "default_handler", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("name", "name_zh", "code")
    autocomplete_fields = ("default_handler",)
    prepopulated_fields = {"code": ("name",)}


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    list_display = ("severity", "tier", "acknowledge_hours", "resolve_days")
    list_filter = ("severity", "tier")


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedModelAdmin):
    list_display = ("level", "name", "name_zh", "deadline", "offset_minutes", "audience", "only_severity", "is_active")
    list_filter = ("deadline", "audience", "is_active")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (workflow table, audit trail)."""

    list_display = ("reference", "subject", "customer", "state", "severity", "resolve_due_at")
    list_filter = ("state", "severity", "kind", "channel")
    search_fields = ("reference", "subject")
    list_select_related = ("customer",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
