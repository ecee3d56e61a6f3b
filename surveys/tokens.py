"""Personal link tokens: 256 bits, never stored.

token = base64url(HMAC-SHA256(SECRET_KEY, "surveys.invitation:" + salt)), 43 characters. The database
holds the salt and SHA-256(token): a copy of the database alone does not give working links, and
the application can still re-derive a link for a reminder or a printed list. Rotating SECRET_KEY
invalidates every open link (a new campaign is needed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

TOKEN_LENGTH = 43
_PURPOSE = b"surveys.invitation:"
OPEN_PURPOSE = b"surveys.open-link:"


def salt_new() -> str:
    return secrets.token_hex(16)


def token_for(salt: str, *, purpose: bytes = _PURPOSE) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), purpose + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap shape check before touching the database (a truncated or padded link fails here)."""
    return len(token) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)
