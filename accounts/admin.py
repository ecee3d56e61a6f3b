from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.admin import AuthTokenAdmin, AuthTokenCreateForm
from knox.models import AuthToken
from knox.settings import knox_settings

from core.admin_audit import AuditedModelAdmin

from . import services
from .models import Team, User


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    """Users, their roles (groups), superuser and admin status: every change is in the audit trail."""

    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("preferred_language",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("groups", "is_active")

    def user_change_password(self, request, id, form_url=""):  # noqa: A002 - Django's signature
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                services.password_change_record(actor=request.user, user=user)
        return response


# A role is a group: which permissions it holds is audited like who holds it.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin, BaseGroupAdmin):
    pass


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("name", "manager")
    filter_horizontal = ("members",)


class ExpiringTokenCreateForm(AuthTokenCreateForm):
    """knox's add form, but a token always expires: empty means the default lifetime."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expiry"].help_text = _("Empty: the default lifetime. Tokens always expire.")

    def clean_expiry(self):
        expiry = self.cleaned_data.get("expiry")
        default = timezone.now() + knox_settings.TOKEN_TTL
        return default if expiry is None else min(expiry, default)


# The admin issues API tokens for users too (the token is shown once, in the confirmation message).
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ExpiringAuthTokenAdmin(AuthTokenAdmin):
    add_form = ExpiringTokenCreateForm
