"""`{{ value|data }}`: text that is data, not interface (a person's name, a customer's words), marked
`translate="no"` so neither the browser's translator nor the untranslated-text guard treats it as
the page's own language. For use inside `{% blocktranslate with who=user|data %}`, where a wrapping
span cannot be written by hand."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def data(value):
    if value in (None, ""):
        return value
    return format_html('<span translate="no">{}</span>', value)
