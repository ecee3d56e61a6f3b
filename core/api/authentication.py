"""API token authentication: django-rest-knox's hashed, expiring tokens.

Only a SHA-512 digest of each token is stored, so a copy of the database holds no usable token.
Tokens expire (settings.REST_KNOX["TOKEN_TTL"]), are revoked one by one or all at once
(accounts.api), and are all cut when the user's password changes (accounts.models.User.save).
"""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's, without its sweep of the user's *other* expired tokens on every request (a query per
    request): an expired token is refused (and deleted) when presented, and a user's expired tokens
    are deleted when they are issued a new one (accounts.api.TokenCreateView)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The schema's description of this authentication (registered by subclassing)."""

    target_class = "core.api.authentication.TokenAuthentication"
