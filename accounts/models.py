from django.contrib.auth.models import AbstractUser
from django.db import models
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

    @property
    def role_names(self) -> frozenset[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def is_read_only(self) -> bool:
        """An auditor who holds no writing role may read everything and change nothing."""
        writing = {Role.STAFF, Role.MANAGER, Role.ADMIN}
        return Role.AUDITOR in self.role_names and not (self.role_names & writing) and not self.is_superuser


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
