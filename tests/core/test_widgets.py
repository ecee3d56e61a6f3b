"""The widgets rendered in Python write exactly what Django's templates write."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts.models import Team
from core import widgets

CHOICES = [
    ("", "---------"),
    ("a", "Plain"),
    ("b&c", 'Quote " and <tag> & ampersand'),
    (3, 3),
    (4, mark_safe("<b>safe</b>")),
    ("lazy", gettext_lazy("Overdue")),
    ("Group <1>", [("g1", "In a group"), ("g2", "Also in it")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "b&c", "3", "g2", ["a", "g1"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x", "class": 'wide "one"', "required": True, "disabled": False, "data-n": 5}]
)
def test_select_renders_like_djangos_template(value, attrs):
    for ours, django in ((widgets.Select, forms.Select), (widgets.SelectMultiple, forms.SelectMultiple)):
        expected = django(choices=CHOICES).render("field<name>", value, attrs)
        assert ours(choices=CHOICES).render("field<name>", value, attrs) == expected


@pytest.mark.django_db
def test_model_choice_field_renders_like_djangos_template():
    Team.objects.create(name="质量部 & <QA>")
    Team.objects.create(name="After-sales")
    ours = forms.ModelChoiceField(queryset=Team.objects.all(), widget=widgets.Select)
    django = forms.ModelChoiceField(queryset=Team.objects.all())
    selected = Team.objects.get(name="After-sales").pk

    class Ours(forms.Form):
        team = ours

    class Django(forms.Form):
        team = django

    assert str(Ours({"team": selected})["team"]) == str(Django({"team": selected})["team"])
    assert str(Ours()["team"]) == str(Django()["team"])


@pytest.mark.parametrize("value", [None, "", "plain", 'quote " <tag> & amp', 3, mark_safe("<b>safe</b>")])
@pytest.mark.parametrize("attrs", [None, {"id": "id_x", "class": 'wide "one"', "required": True, "disabled": False}])
def test_inputs_and_textarea_render_like_djangos_templates(value, attrs):
    for ours, django in (
        (widgets.TextInput, forms.TextInput),
        (widgets.HiddenInput, forms.HiddenInput),
        (widgets.Textarea, forms.Textarea),
    ):
        assert ours().render("field<name>", value, attrs) == django().render("field<name>", value, attrs)


@pytest.mark.parametrize("value", [None, "", "2026-12-06", datetime.date(2026, 12, 6)])
def test_date_input_renders_like_djangos_template(value):
    attrs = {"type": "date", "required": True}
    assert widgets.DateInput(attrs=attrs).render("due", value) == forms.DateInput(attrs=attrs).render("due", value)
