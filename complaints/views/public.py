"""The customer's read-only status page, opened with the private link from the acknowledgement."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from accounts.access import public

from .. import selectors, services
from ..models import State
from ..services.status_link import complaint_recipient

# The steps a customer sees, in order (withdrawn/rejected are shown instead when they apply).
PUBLIC_STEPS = [State.RECEIVED, State.ACKNOWLEDGED, State.INVESTIGATING, State.RESOLVED, State.CLOSED]


@public
@never_cache
def complaint_status_view(request, token: str):
    """Unknown, forged and expired tokens all get the same neutral page (status 404), saying nothing."""
    complaint = services.complaint_by_status_token(token=token)
    if complaint is None:
        return render(request, "complaints/status_unknown.html", status=404)
    reached = {e.to_state for e in selectors.complaint_events(complaint=complaint, public_only=True) if e.to_state}
    reached.add(complaint.state)
    if complaint.state == State.ASSESSED:
        reached.add(State.ACKNOWLEDGED)
    order = [s.value for s in PUBLIC_STEPS]
    current_index = (
        order.index(complaint.state)
        if complaint.state in order
        else (order.index(State.INVESTIGATING) if complaint.state == State.ASSESSED else -1)
    )
    steps = [(s, s.label, i <= current_index) for i, s in enumerate(PUBLIC_STEPS)]
    _email, language = complaint_recipient(complaint)
    with translation.override(language):
        response = render(
            request,
            "complaints/status.html",
            {"complaint": complaint, "steps": steps, "ended": complaint.state in (State.WITHDRAWN, State.REJECTED)},
        )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
