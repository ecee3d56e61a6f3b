"""An issue raised during a follow-up visit becomes a complaint: the visit page's button, served by
complaints because it calls complaints' intake service."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import permission
from core.exceptions import ApplicationError
from visits import selectors as visit_selectors
from visits.models import VisitIssue

from ..services import complaint_open_from_visit_issue


@require_http_methods(["POST"])
@permission("visits.view_visit", "complaints.add_complaint")
def issue_complaint_view(request, pk: int):
    """Turn an issue raised during a visit into a complaint (once: a second press opens the same one)."""
    try:
        issue = visit_selectors.visit_issue_visible(user=request.user, pk=pk)
    except VisitIssue.DoesNotExist as error:
        raise Http404 from error
    try:
        with transaction.atomic():
            complaint = complaint_open_from_visit_issue(actor=request.user, issue=issue)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(issue.visit)
    messages.success(request, _("Complaint %(reference)s opened from the issue.") % {"reference": complaint.reference})
    return redirect(complaint.get_absolute_url())
