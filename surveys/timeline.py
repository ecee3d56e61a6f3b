"""Survey entries on the customer's timeline: each answer with its scores, and each invitation not
(yet) answered. Two bounded queries, whatever the customer's history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from customers.timeline import TimelineEntry


def survey_entries(customer, limit: int, *, viewer=None) -> list[TimelineEntry]:
    """`viewer` None: every answer (a reader without a request); otherwise those the viewer may read."""
    from .models import Invitation
    from .selectors import responses_visible_to

    entries = []
    responses = customer.survey_responses.all()
    if viewer is not None:
        responses = responses_visible_to(user=viewer, queryset=responses)
    for response in responses.select_related("campaign", "contact", "complaint").order_by("-submitted_at", "-id")[
        :limit
    ]:
        scores = []
        if response.csi is not None:
            scores.append(_("satisfaction index %(csi)s") % {"csi": response.csi})
        if response.nps_score is not None:
            scores.append(_("recommendation %(score)s/10") % {"score": response.nps_score})
        if response.complaint_id:
            scores.append(_("complaint %(reference)s opened") % {"reference": response.complaint.reference})
        entries.append(
            TimelineEntry(
                at=response.submitted_at,
                kind="survey",
                title=_("Survey answered: %(campaign)s") % {"campaign": response.campaign.name},
                detail=" · ".join(scores),
                url=response.get_absolute_url(),
                actor=str(response.contact) if response.contact_id else "",
            )
        )
    invitations = (
        customer.survey_invitations.exclude(status=Invitation.Status.COMPLETED)
        .select_related("campaign", "contact")
        .order_by("-created_at", "-id")[:limit]
    )
    for invitation in invitations:
        entries.append(
            TimelineEntry(
                at=invitation.sent_at or invitation.created_at,
                kind="survey",
                title=_("Survey invitation: %(campaign)s") % {"campaign": invitation.campaign.name},
                detail=invitation.get_status_display(),
                url=invitation.campaign.get_absolute_url(),
                actor=str(invitation.contact) if invitation.contact_id else "",
            )
        )
    return entries
