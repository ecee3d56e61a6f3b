from django import template

from complaints.event_text import event_text as render_event_text

register = template.Library()


@register.filter
def event_text(event) -> str:
    """A timeline line's text in the reader's language (complaints.event_text)."""
    return render_event_text(event)
