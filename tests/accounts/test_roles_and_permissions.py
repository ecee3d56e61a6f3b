"""A user's roles and permissions are read together, in one query, and decide as Django would."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def djangos_answer(user) -> set[str]:
    """What django.contrib.auth's ModelBackend reads, on an instance of its own."""
    return ModelBackend().get_all_permissions(fresh(user))


def test_roles_and_permissions_take_one_query(django_assert_num_queries):
    user = fresh(UserFactory(role="staff"))
    with django_assert_num_queries(1):
        assert user.role_names == frozenset({"staff"})
        assert user.has_perm("complaints.add_complaint")
        assert user.has_perms(["complaints.view_complaint", "customers.view_customer"])
        assert not user.has_perm("complaints.verify_correctiveaction")
        assert not user.is_read_only
    assert user.get_all_permissions() == djangos_answer(user)


def test_permission_first_then_roles_is_one_query_too(django_assert_num_queries):
    user = fresh(UserFactory(role="manager"))
    with django_assert_num_queries(1):
        assert user.has_perm("complaints.verify_correctiveaction")
        assert user.has_role("manager")


def test_several_groups_a_group_without_permissions_and_direct_permissions():
    user = UserFactory(role="auditor")
    user.groups.add(Group.objects.create(name="no permissions"))
    user.user_permissions.add(Permission.objects.get(codename="add_complaint"))
    user = fresh(user)

    assert user.role_names == frozenset({"auditor", "no permissions"})
    assert user.has_perm("complaints.add_complaint")  # given to the user directly
    assert user.get_all_permissions() == djangos_answer(user)
    assert user.get_user_permissions() == {"complaints.add_complaint"}
    assert user.is_read_only  # still only an auditor by role


def test_user_without_groups_has_no_role_and_no_permission():
    user = fresh(UserFactory())
    assert user.role_names == frozenset() and not user.has_perm("complaints.view_complaint")
    assert user.get_all_permissions() == set() == djangos_answer(user)


def test_inactive_users_hold_nothing_and_superusers_everything():
    inactive = UserFactory(role="manager", is_active=False)
    assert fresh(inactive).role_names == frozenset({"manager"})
    assert not fresh(inactive).has_perm("complaints.view_complaint")

    superuser = fresh(UserFactory(is_superuser=True))
    assert superuser.has_perm("complaints.verify_correctiveaction")
    assert superuser.get_all_permissions() == djangos_answer(superuser)
    assert superuser.role_names == frozenset()
