"""The application's routes plus the bare reference view the benchmark compares complaint
creation through the API against."""

import json

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import public
from complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from complaints.services.intake import complaint_reference_next
from csm.urls import urlpatterns as application

_category_ids: dict[str, int] = {}


@public
@csrf_exempt
@require_POST
def bare_create(request):
    """The least a creation can do: take the same JSON body as POST /api/v1/complaints/, number the
    complaint with the same per-year sequence (its row lock is part of the design, so both sides pay
    it), insert the complaint and its "received" timeline line, and answer with the id. No
    authentication, permission check, validation, SLA due dates, audit row or serializer."""
    data = json.loads(request.body)
    if not _category_ids:
        _category_ids.update(ComplaintCategory.objects.values_list("code", "pk"))
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=complaint_reference_next(year=timezone.localtime(now).year),
            customer_id=data["customer"],
            contact_id=data.get("contact"),
            channel=data.get("channel", "api"),
            severity=data.get("severity", "medium"),
            category_id=_category_ids.get(data.get("category") or ""),
            subject=data["subject"],
            description=data["description"],
            desired_remedy=data.get("desired_remedy", ""),
            product_reference=data.get("product_reference", ""),
            order_reference=data.get("order_reference", ""),
            batch_reference=data.get("batch_reference", ""),
            received_at=now,
            created_by_id=settings.BENCH_COMPLAINTS_USER_ID,
        )
        ComplaintEvent.objects.create(
            complaint=complaint,
            actor_id=settings.BENCH_COMPLAINTS_USER_ID,
            kind=ComplaintEvent.Kind.RECEIVED,
            to_state=complaint.state,
            comment="API",
            is_public=True,
            at=now,
        )
    return JsonResponse({"id": complaint.pk, "reference": complaint.reference}, status=201)


urlpatterns = [*application, path("bench/bare-complaint/", bare_create, name="bench_bare_complaint")]
