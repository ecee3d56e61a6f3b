"""The customer's read-only status page, opened with the private link from the acknowledgement."""

import secrets
import time

from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.access import public
from core import ratelimit
from core.exceptions import ApplicationError
from core.middleware import client_ip

from .. import services
from ..forms import WebComplaintForm
from ..models import State
from ..services.status_link import complaint_recipient

# The steps a customer sees, in order (withdrawn/rejected are shown instead when they apply).
PUBLIC_STEPS = [State.RECEIVED, State.ACKNOWLEDGED, State.INVESTIGATING, State.RESOLVED, State.CLOSED]
# Guessing: after this many look-ups of tokens that open nothing within the window, the address
# gets the "too many attempts" page (429) for every token until the window ends. Valid tokens do
# not count, so customers behind one company address are not locked out by each other's visits.
BAD_TOKEN_LIMIT = 20
BAD_TOKEN_WINDOW = 15 * 60
BAD_TOKEN_SCOPE = "complaints:bad-status-token"


@public
@never_cache
@require_http_methods(["GET", "POST"])
def complaint_status_view(request, token: str):
    """Unknown, forged and expired tokens all get the same neutral page (status 404), saying nothing.
    The only thing a customer can send here is their rating of the handling, once. An address that
    has tried too many tokens that open nothing gets the "too many attempts" page (429) instead."""
    client = client_ip(request)
    if ratelimit.failures_exceeded(scope=BAD_TOKEN_SCOPE, client=client, limit=BAD_TOKEN_LIMIT):
        response = render(request, "complaints/status_limited.html", status=429)
        response["Retry-After"] = str(BAD_TOKEN_WINDOW)
        return response
    complaint = services.complaint_by_status_token(token=token)
    if complaint is None:
        ratelimit.failure_count(scope=BAD_TOKEN_SCOPE, client=client, window_seconds=BAD_TOKEN_WINDOW)
        return render(request, "complaints/status_unknown.html", status=404)
    # The contact's language; without a contact (a sender of the public form who gave only a phone
    # number), the language the visitor's browser asks for.
    _email, language = complaint_recipient(complaint, default_language=translation.get_language() or "")
    rating_error = ""
    if request.method == "POST":
        try:
            services.complaint_satisfaction_record(
                complaint=complaint,
                rating=int(request.POST.get("rating", "0")) if request.POST.get("rating", "").isdigit() else 0,
                comment=request.POST.get("comment", "")[:2000],
            )
        except ApplicationError as error:
            with translation.override(language):
                rating_error = str(error.message)
        else:
            return redirect("complaints:status", token=token)
    order = [s.value for s in PUBLIC_STEPS]
    shown_state = State.INVESTIGATING if complaint.state == State.ASSESSED else complaint.state
    current_index = order.index(shown_state) if shown_state in order else -1
    steps = [(s, s.label, i <= current_index) for i, s in enumerate(PUBLIC_STEPS)]
    with translation.override(language):
        response = render(
            request,
            "complaints/status.html",
            {
                "complaint": complaint,
                "steps": steps,
                "ended": complaint.state in (State.WITHDRAWN, State.REJECTED),
                "may_rate": complaint.state in (State.RESOLVED, State.CLOSED) and complaint.satisfaction_rating is None,
                "rating_error": rating_error,
                "ratings": range(1, 6),
            },
        )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


# A person needs more than this to fill in the form; a script does not.
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 24 * 3600


def _looks_automated(form) -> bool:
    if form.cleaned_data.get("website"):
        return True
    try:
        stamp = signing.loads(
            form.cleaned_data.get("started", ""), salt="complaints.web_form", max_age=MAX_FORM_AGE_SECONDS
        )
        started = float(str(stamp).split(":")[0])
    except (signing.BadSignature, ValueError, TypeError):
        return True
    return not MIN_FILL_SECONDS <= time.time() - started <= MAX_FORM_AGE_SECONDS


def _form_started() -> str:
    """When the form was shown, and a nonce: signed, it is also the form's one-time token."""
    return signing.dumps(f"{time.time()}:{secrets.token_hex(8)}", salt="complaints.web_form")


@public
def complaint_web_form_view(request):
    """The public complaint form: rate-limited per address (valid submissions only: a person
    correcting a mistake is not held back), with a honeypot and a fill-time check. A suspected bot
    sees the same thank-you page as a person, and nothing is recorded. Posting the same form twice
    shows the first complaint again."""
    form = WebComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.web_form_rate_limited(client_address=client_ip(request) or ""):
            return render(request, "complaints/web_form.html", {"form": form, "rate_limited": True}, status=429)
        if _looks_automated(form):
            return render(request, "complaints/web_form_thanks.html", {"reference": None})
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "started")}
        try:
            receipt = services.complaint_submit_web_form(form_token=form.cleaned_data["started"], **data)
        except (ApplicationError, ValidationError):
            form.add_error(None, _("We could not record this. Please check the fields or call our hotline."))
        else:
            context = {
                "reference": receipt.complaint.reference,
                # The page's own address, not SITE_URL: the sender is on this site now (the e-mail uses SITE_URL).
                "status_url": request.build_absolute_uri(reverse("complaints:status", args=[receipt.status_token]))
                if receipt.status_token
                else "",
                "repeated": receipt.repeated,
                "emailed": bool(data.get("email")),
            }
            return render(request, "complaints/web_form_thanks.html", context)
    return render(request, "complaints/web_form.html", {"form": form, "started": _form_started()})
