from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.admin import AuthTokenAdmin, AuthTokenCreateForm
from knox.models import AuthToken
from knox.settings import knox_settings

from .models import Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("preferred_language",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("groups", "is_active")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
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
