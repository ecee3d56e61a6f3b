import functools

from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The four roles. Each is a Group of the same name, created with its permissions by migrations."""

    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Manager")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # A new password (set_password: the password page, the admin's reset, createsuperuser,
        # changepassword) cuts every API token: whoever held one with the old password loses it.
        # A hash upgrade at login is not a change (check_password saves it without _password).
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.auth_token_set.all().delete()

    @property
    def role_names(self) -> frozenset[str]:
        if getattr(self, "_role_names", None) is None:
            self._access_load()
        return self._role_names

    def has_perm(self, perm, obj=None) -> bool:
        if obj is None and self.is_active and not self.is_superuser and not hasattr(self, "_group_perm_cache"):
            self._access_load()
        return super().has_perm(perm, obj)

    def _access_load(self) -> None:
        """Read the user's roles (group names) and permissions in one query, and keep them on this
        instance for the rest of the request: in `_role_names`, and in the caches Django's
        ModelBackend fills and reads (`_user_perm_cache`, `_group_perm_cache`), which would otherwise
        take two more queries. Every page and API call checks both the roles and a permission.
        Superusers hold every permission and inactive users none: ModelBackend decides those itself,
        so only their roles are kept."""
        roles, group_perms, user_perms = set(), set(), set()
        with connection.cursor() as cursor:
            cursor.execute(_access_sql(), [self.pk, self.pk])
            for group, app_label, codename in cursor.fetchall():
                if group is None:
                    user_perms.add(f"{app_label}.{codename}")
                else:
                    roles.add(group)
                    if codename is not None:
                        group_perms.add(f"{app_label}.{codename}")
        self._role_names = frozenset(roles)
        if self.is_active and not self.is_superuser and not hasattr(self, "_group_perm_cache"):
            self._user_perm_cache = user_perms
            self._group_perm_cache = group_perms

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def is_read_only(self) -> bool:
        """An auditor who holds no writing role may read everything and change nothing."""
        writing = {Role.STAFF, Role.MANAGER, Role.ADMIN}
        return Role.AUDITOR in self.role_names and not (self.role_names & writing) and not self.is_superuser


@functools.cache
def _access_sql() -> str:
    """Rows of (group name, app label, codename): one per permission of each of the user's groups (a
    group without permissions gives its name and two NULLs), then one per permission given to the
    user directly (no group name). Written as SQL: the same query through the ORM (a union of two
    values_list querysets) takes about three times as long to build and read, on every request."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    q = connection.ops.quote_name

    def table(model) -> str:
        return q(model._meta.db_table)

    def column(model, field: str) -> str:
        return q(model._meta.get_field(field).column)

    user_groups, group_perms = User.groups.through, Group.permissions.through
    user_perms = User.user_permissions.through
    return (
        # Identifiers only, from the models and quoted; the user id is a query parameter.
        f"SELECT g.{column(Group, 'name')}, ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"  # noqa: S608
        f" FROM {table(user_groups)} ug"
        f" JOIN {table(Group)} g ON g.{column(Group, 'id')} = ug.{column(user_groups, 'group')}"
        f" LEFT JOIN {table(group_perms)} gp ON gp.{column(group_perms, 'group')} = g.{column(Group, 'id')}"
        f" LEFT JOIN {table(Permission)} p ON p.{column(Permission, 'id')} = gp.{column(group_perms, 'permission')}"
        f" LEFT JOIN {table(ContentType)} ct ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
        f" WHERE ug.{column(user_groups, 'user')} = %s"
        " UNION ALL"
        f" SELECT NULL, ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"
        f" FROM {table(user_perms)} up"
        f" JOIN {table(Permission)} p ON p.{column(Permission, 'id')} = up.{column(user_perms, 'permission')}"
        f" JOIN {table(ContentType)} ct ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}"
        f" WHERE up.{column(user_perms, 'user')} = %s"
    )


class Team(models.Model):
    """A department or team: visits are shared round-robin within it, and its manager is told first."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        User,
        verbose_name=_("team manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="teams")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
