"""Who may do what, changed outside the admin (shell, createsuperuser, scripts), is in the trail."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.models import User
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

COMMENT = "outside the application"


def rows_about(user_or_group) -> list[AuditEvent]:
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(user_or_group)
    return list(
        AuditEvent.objects.filter(content_type=kind, object_id=str(user_or_group.pk), comment=COMMENT).order_by("pk")
    )


def test_createsuperuser_is_recorded_as_a_grant(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-1")
    call_command("createsuperuser", "--noinput", username="root2", email="root2@example.com", verbosity=0)

    user = User.objects.get(username="root2")
    (event,) = rows_about(user)
    assert event.action == AuditEvent.Action.CREATE and event.actor is None and event.actor_name == "system"
    assert event.changes == {"is_superuser": [None, True], "is_staff": [None, True]}


def test_a_role_granted_and_taken_away_in_the_shell_is_recorded():
    user = User.objects.create_user("li.shell", password="x" * 12)
    assert rows_about(user) == []  # an account without powers is no grant
    manager = Group.objects.get(name="manager")

    user.groups.add(manager)
    manager.user_set.remove(user)
    user.groups.set([Group.objects.get(name="auditor")])
    user.groups.clear()

    changes = [e.changes for e in rows_about(user)]
    assert changes == [
        {"groups": [[], ["manager"]]},
        {"groups": [["manager"], []]},
        {"groups": [[], ["auditor"]]},
        {"groups": [["auditor"], []]},
    ]


def test_superuser_and_active_flags_changed_by_a_script_are_recorded():
    user = User.objects.create_user("wang.script", password="x" * 12)
    user.is_superuser = True
    user.save()
    user.first_name = "Wang"  # no privilege: not recorded by this module
    user.save()
    user.is_active = False
    user.save()

    assert [e.changes for e in rows_about(user)] == [
        {"is_superuser": [False, True]},
        {"is_active": [True, False]},
    ]


def test_a_roles_permissions_changed_by_a_script_are_recorded():
    auditor = Group.objects.get(name="auditor")
    permission = Permission.objects.get(content_type__app_label="customers", codename="delete_customer")

    auditor.permissions.add(permission)

    (event,) = rows_about(auditor)
    assert event.changes == {"permissions": [[], ["customers.delete_customer"]]}


def test_the_admin_records_its_own_change_once_with_its_user(admin_client, admin_user):
    user = User.objects.create_user("zhao.admin", password="x" * 12)
    manager = Group.objects.get(name="manager")
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions", "last_login")
    }
    data.update(
        {
            "username": user.username,
            "groups": [manager.pk],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "preferred_language": user.preferred_language,
        }
    )
    data.pop("date_joined", None)
    data = {k: v for k, v in data.items() if v is not False}

    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert rows_about(user) == []  # not twice
    (event,) = AuditEvent.objects.filter(object_id=str(user.pk), comment="admin")
    assert event.actor == admin_user and event.changes["groups"] == [[], ["manager"]]


def test_users_loaded_as_they_are_grant_nothing():
    """loaddata (and a test database restored between browser tests) sets a user's groups after a
    raw save: that is no grant, and must not write the trail (nor a content type) mid-load."""
    from django.core import serializers

    user = User.objects.create_user("sun.loaded", password="x" * 12)
    user.groups.add(Group.objects.get(name="staff"))
    dumped = serializers.serialize("json", [user])
    User.objects.filter(pk=user.pk).delete()  # the database the dump is loaded into has no such user
    before = AuditEvent.objects.count()

    for loaded in serializers.deserialize("json", dumped):
        loaded.save()

    assert AuditEvent.objects.count() == before
