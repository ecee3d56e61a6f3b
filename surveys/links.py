"""Absolute links of invitations, opt-outs and open links (tokens + the site URL)."""

from __future__ import annotations

from django.urls import reverse

from core.links import site_url

from . import tokens
from .models import (
    Campaign,
    Invitation,
)


def invitation_link(invitation: Invitation, *, base_url: str | None = None) -> str:
    """The personal link, with the contact's language in it: the page opens in that language, and
    so does the closed-link page once the link is used or expired (that page must not look the
    token up to find a language: it is the same for every unusable link)."""
    path = reverse("surveys:answer", args=[tokens.token_for(invitation.token_salt)])
    return site_url(f"{path}?lang={invitation.language}", base_url=base_url)


def campaign_open_link_url(campaign: Campaign, *, base_url: str | None = None) -> str:
    return site_url(reverse("surveys:open_answer", args=[campaign_open_token(campaign)]), base_url=base_url)


def invitation_opt_out_link(invitation: Invitation, *, base_url: str | None = None) -> str:
    return site_url(reverse("surveys:opt_out", args=[tokens.token_for(invitation.token_salt)]), base_url=base_url)


def campaign_open_token(campaign: Campaign) -> str:
    return tokens.token_for(campaign.open_token_salt, purpose=tokens.OPEN_PURPOSE)
