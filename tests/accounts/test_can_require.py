"""accounts.access.can / require: the one "may this user write X" check of services and views."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from accounts import access
from core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def test_a_user_holding_the_permission_may_write(staff_user):
    assert access.can(staff_user, "complaints.add_complaint")
    access.require(staff_user, "complaints.add_complaint")  # no error


def test_a_user_without_the_permission_may_not(staff_user):
    assert not access.can(staff_user, "customers.delete_customer")
    with pytest.raises(ApplicationError, match="You are not allowed to delete customers."):
        access.require(staff_user, "customers.delete_customer", "You are not allowed to delete customers.")


def test_auditors_write_nothing_whatever_they_hold(auditor_user, monkeypatch):
    monkeypatch.setattr(type(auditor_user), "has_perm", lambda self, perm, obj=None: True)
    assert not access.can(auditor_user, "complaints.change_complaint")


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_nobody_and_anonymous_users_write_nothing(user):
    assert not access.can(user, "complaints.add_complaint")
    with pytest.raises(ApplicationError):
        access.require(user, "complaints.add_complaint")


def test_the_default_refusal_is_translated(staff_user):
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as error:
        access.require(staff_user, "customers.delete_customer")
    assert error.value.message == "您无权进行此项更改。"
