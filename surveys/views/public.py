"""The customer's side: answering through a personal link, without an account.

Security decisions, each on purpose:
- The token in the address is the credential (256 bits, surveys.tokens). Every unusable link —
  forged, truncated, of another campaign, expired, already answered, campaign closed — gets the
  SAME page with the same status (404), rendered without anything request-specific, so nobody
  can tell a real-but-used link from a guessed one.
- csrf_exempt on the token-authenticated endpoints (answer, autosave, opt-out): CSRF protects a
  session cookie from being used by another site, and these requests carry no session: the
  unguessable token in the URL is what authorises them. It also means a page left open for
  hours never loses its answers to an expired CSRF token.
- Referrer-Policy: no-referrer, so the token never leaks to another site through a link; no-store,
  so a shared computer's cache does not keep the answers.
- Guessing is rate limited per client address (cache-based): after BAD_TOKEN_LIMIT look-ups of
  tokens that belong to no invitation in BAD_TOKEN_WINDOW seconds, every link from that address
  gets the neutral page (429). Real links that are used or expired do not count, so double clicks
  behind a company's shared address lock nobody out.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import public
from core import ratelimit
from core.exceptions import ApplicationError
from core.middleware import client_ip

from .. import answering, selectors, services, tokens
from ..models import Campaign, Invitation, Question, SurveyPageSettings, logo_version
from .question_markup import questions_html

BAD_TOKEN_LIMIT = 20
BAD_TOKEN_WINDOW = 15 * 60
BAD_TOKEN_SCOPE = "surveys:bad-token"
LANGUAGES = ("en", "zh-hans")


_thanks_pages: dict[tuple[str, Any], str] = {}


def _thanks_page(language: str) -> str:
    """The thank-you page is the same for everyone in a language: rendered once per process (and
    again when the organisation's settings change)."""
    organisation = selectors.page_settings()
    key = (language, organisation)
    if key not in _thanks_pages:
        if len(_thanks_pages) > 20:
            _thanks_pages.clear()
        _thanks_pages[key] = render_to_string(
            "surveys/public/thanks.html", {"language": language, **_organisation_context(language)}
        )
    return _thanks_pages[key]


def _organisation_context(language: str) -> dict[str, Any]:
    """Who is asking and what happens to the answers: the organisation's name, logo and privacy
    notice set by the administrator (the standard notice when none is set)."""
    organisation = selectors.page_settings()
    logo_url = ""
    if organisation.logo_version:
        logo_url = reverse("surveys:organisation_logo", args=[organisation.logo_version])
    return {
        "organisation_name": organisation.name(language),
        "organisation_logo": logo_url,
        "privacy_notice": organisation.privacy(language),
    }


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _is_limited(request) -> bool:
    return ratelimit.failures_exceeded(scope=BAD_TOKEN_SCOPE, client=client_ip(request), limit=BAD_TOKEN_LIMIT)


def _count_failure(request) -> None:
    ratelimit.failure_count(scope=BAD_TOKEN_SCOPE, client=client_ip(request), window_seconds=BAD_TOKEN_WINDOW)


def _requested_language(request) -> str:
    """The language a page without an invitation speaks: the link's own (`?lang=`, which personal
    links carry), else the browser's."""
    chosen = request.POST.get("lang") or request.GET.get("lang")
    language = chosen if chosen in LANGUAGES else translation.get_language_from_request(request)
    return language if language in LANGUAGES else "zh-hans"


def unusable_link_response(request, status: int = 404) -> HttpResponse:
    """The one page for every link that cannot be used. Rendered from the template and the link's
    language alone (no token look-up, no CSRF or nonce), so its bytes are the same for every case
    in a language: a used or expired personal link speaks its contact's language because the link
    carries it (`?lang=`, surveys.links), and a guessed token in the same URL gets the same page."""
    language = _requested_language(request)
    with translation.override(language):
        page = render_to_string("surveys/public/unusable.html", _organisation_context(language))
    response = HttpResponse(page, status=status)
    response["Content-Language"] = language
    return _private(response)


def _open_invitation(request, token: str) -> tuple[Invitation | None, int]:
    """(the open invitation, 200), or (None, the status of the neutral page: 404, or 429 when
    this address has guessed too often)."""
    if _is_limited(request):
        return None, 429
    try:
        return services.invitation_for_token(token), 200
    except services.LinkUnusable as unusable:
        if unusable.guessed:
            _count_failure(request)
        return None, 404


def _language(request, invitation: Invitation) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    return chosen if chosen in LANGUAGES else invitation.language


def _questions(invitation: Invitation) -> list[Question]:
    return services.version_questions(invitation.campaign.questionnaire_version)


def _page(
    request,
    invitation: Invitation | None,
    language: str,
    errors: dict | None = None,
    status: int = 200,
    *,
    campaign: Campaign | None = None,
    answers: dict | None = None,
):
    """The questionnaire, for a personal link (its invitation, with the saved draft) or for the
    open link (the campaign alone, with the answers just posted). The questions' markup is joined
    in Python (question_markup: the template loops were most of the page's time)."""
    campaign = campaign or invitation.campaign
    questions = services.version_questions(campaign.questionnaire_version)
    if answers is None:
        answers = invitation.draft if invitation is not None and invitation.draft else {}
    answered, total = answering.progress(questions, answers)
    version = campaign.questionnaire_version
    token = request.resolver_match.kwargs["token"]
    context = {
        "invitation": invitation,
        "respondent": invitation.customer.name if invitation is not None else "",
        "title": version.localised("title", language),
        "intro": version.localised("intro", language),
        "questions_html": questions_html(questions, answers, errors or {}),
        "answered": answered,
        "total": total,
        "percent": round(answered * 100 / total) if total else 0,
        "language": language,
        "other_language": "en" if language.startswith("zh") else "zh-hans",
        "has_errors": bool(errors),
        "autosave_url": reverse("surveys:answer_save", args=[token]) if invitation is not None else "",
        "opt_out_url": reverse("surveys:opt_out", args=[token]) if invitation is not None else "",
        **_organisation_context(language),
    }
    response = render(request, "surveys/public/answer.html", context, status=status)
    response["Content-Language"] = language
    return _private(response)


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer_view(request, token: str):
    invitation, status = _open_invitation(request, token)
    if invitation is None:
        return unusable_link_response(request, status)
    language = _language(request, invitation)
    with translation.override(language):
        if request.method == "GET":
            services.invitation_open(invitation=invitation)
            return _page(request, invitation, language)
        try:
            services.response_submit(invitation=invitation, data=request.POST, language=language)
        except services.AlreadyAnswered:
            return unusable_link_response(request)
        except ApplicationError as error:
            return _page(request, invitation, language, errors=error.extra, status=400)
        response = HttpResponse(_thanks_page(language))
        response["Content-Language"] = language
        return _private(response)


@public
@csrf_exempt
@require_POST
def answer_save_view(request, token: str):
    """Autosave (fetch from survey.js on every change): the whole form, merged into the draft."""
    invitation, status = _open_invitation(request, token)
    if invitation is None:
        return unusable_link_response(request, status)
    questions = _questions(invitation)
    draft = services.invitation_autosave(invitation=invitation, questions=questions, data=request.POST)
    answered, total = answering.progress(questions, draft)
    return _private(JsonResponse({"saved": True, "answered": answered, "total": total}))


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def opt_out_view(request, token: str):
    """No more surveys for this contact. Works for answered and expired links too: whoever holds
    the link was invited with it."""
    invitation = None
    if _is_limited(request):
        return unusable_link_response(request, 429)
    if tokens.looks_like_token(token):
        invitation = Invitation.objects.select_related("contact").filter(token_hash=tokens.token_hash(token)).first()
    if invitation is None:
        _count_failure(request)
        return unusable_link_response(request, 404)
    language = _language(request, invitation)
    with translation.override(language):
        done = request.method == "POST"
        if done:
            services.invitation_opt_out(invitation=invitation)
        response = render(
            request,
            "surveys/public/opt_out.html",
            {"done": done, "language": language, **_organisation_context(language)},
        )
        response["Content-Language"] = language
        return _private(response)


# -- the anonymous open link ------------------------------------------------------------------------
# The same neutral page, headers and guessing limit as personal links. Duplicates: a signed cookie,
# scoped to the link's path, marks a browser that has answered (a second post stores nothing); a
# keyed hash of address + user agent per campaign and day flags a likely second answer from another
# browser on the same machine, stored but left out of the scores (a kiosk or a company's shared
# address makes that hash a suspicion, not proof, so nothing is refused on it).

OPEN_COOKIE = "csm_survey_answered"
OPEN_COOKIE_SALT = "surveys.open-link"
OPEN_COOKIE_MAX_AGE = 365 * 24 * 3600


def _has_answered(request, campaign: Campaign) -> bool:
    try:
        value = request.get_signed_cookie(OPEN_COOKIE, salt=OPEN_COOKIE_SALT, max_age=OPEN_COOKIE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return False
    return value == str(campaign.pk)


def _already_answered_page(language: str) -> HttpResponse:
    response = HttpResponse(
        render_to_string(
            "surveys/public/already_answered.html", {"language": language, **_organisation_context(language)}
        )
    )
    response["Content-Language"] = language
    return _private(response)


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def open_answer_view(request, token: str):
    if _is_limited(request):
        return unusable_link_response(request, 429)
    try:
        campaign = services.campaign_for_open_token(token)
    except services.LinkUnusable as unusable:
        if unusable.guessed:
            _count_failure(request)
        return unusable_link_response(request, 404)
    language = _requested_language(request)
    with translation.override(language):
        if _has_answered(request, campaign):
            return _already_answered_page(language)
        if request.method == "GET":
            return _page(request, None, language, campaign=campaign, answers={})
        client_hash = services.open_client_hash(
            campaign=campaign,
            ip=client_ip(request) or "",
            user_agent=request.headers.get("user-agent", "")[:500],
            day=timezone.localdate(),
        )
        try:
            services.open_response_submit(
                campaign=campaign, data=request.POST, language=language, client_hash=client_hash
            )
        except ApplicationError as error:
            questions = services.version_questions(campaign.questionnaire_version)
            answers = answering.draft_merge(questions, {}, request.POST)
            return _page(request, None, language, errors=error.extra, status=400, campaign=campaign, answers=answers)
        response = HttpResponse(_thanks_page(language))
        response["Content-Language"] = language
        response.set_signed_cookie(
            OPEN_COOKIE,
            str(campaign.pk),
            salt=OPEN_COOKIE_SALT,
            max_age=OPEN_COOKIE_MAX_AGE,
            path=request.path,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
        return _private(response)


# Served with a policy that runs nothing, so an SVG logo opened on its own cannot script the site
# (surveys.logos refuses scripts at upload; this is the second line).
LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@public
@require_http_methods(["GET", "HEAD"])
def organisation_logo_view(request, version: str):
    """The organisation's logo. Its URL changes with each upload (`version`), so it may be cached
    for a year; an old version's URL answers 404."""
    page = SurveyPageSettings.objects.filter(pk=1).first()
    if page is None or not page.has_logo or logo_version(page.updated_at) != version:
        return HttpResponse(status=404)
    response = HttpResponse(bytes(page.logo), content_type=page.logo_content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = LOGO_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response
