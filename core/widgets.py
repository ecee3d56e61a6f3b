"""Form widgets that render without the template engine, for pages that show many select lists.

Django renders a <select> through three templates, one include per <option>: a filter sidebar with a
dozen lists and a hundred options (people, departments, categories) costs more than the table it
filters. These widgets take the same context (`get_context`: choices, selection, attributes) and
write the same HTML as django/forms/widgets/select.html, select_option.html and attrs.html, in
Python. tests/core/test_widgets.py checks the output against Django's templates.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _text(value) -> str:
    """`{{ value }}` in a template: localized unless already text, then escaped unless safe."""
    return conditional_escape(value if isinstance(value, str) else localize(value))


def _attrs_html(attrs: dict) -> str:
    """attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class _SelectInPython:
    """Mixin for Select widgets: render select.html's markup directly (same output, no templates)."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
        for group_name, group_choices, _group_index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                # select_option.html ends with a newline, hence the blank line between options.
                html.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs_html(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        # Django's form renderer strips the rendered template; the markup above starts and ends with a tag.
        return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


class Select(_SelectInPython, forms.Select):
    pass


class SelectMultiple(_SelectInPython, forms.SelectMultiple):
    pass


class _InputInPython:
    """Mixin for <input> widgets: input.html's markup written directly (same output, no templates)."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        html = (
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f"{shown}{_attrs_html(widget['attrs'])}>"
        )
        return mark_safe(html)  # noqa: S308 - every value above is escaped


class TextInput(_InputInPython, forms.TextInput):
    pass


class HiddenInput(_InputInPython, forms.HiddenInput):
    pass


class DateInput(_InputInPython, forms.DateInput):
    pass


class Textarea(forms.Textarea):
    """textarea.html's markup written directly (same output, no templates)."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        value = widget["value"]
        return mark_safe(  # noqa: S308 - every value below is escaped
            f'<textarea name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>\n'
            f"{_text(value) if value else ''}</textarea>"
        )
