from django import template

from core.audit import describe_changes

register = template.Library()


@register.filter
def audit_changes(event):
    return describe_changes(event)
