"""The application's routes plus the bare reference view the benchmark compares the API against."""

import json

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.access import public
from complaints.models import Complaint
from complaints.services import complaint_reference_next
from csm.urls import urlpatterns as application


@public
@csrf_exempt
def bare_create(request):
    """The least creating a complaint can do: the same reference number and complaint row, nothing
    else (no authentication, permissions, validation, SLA, event or audit)."""
    data = json.loads(request.body)
    now = timezone.now()
    with transaction.atomic():
        Complaint.objects.create(
            reference=complaint_reference_next(year=timezone.localtime(now).year),
            customer_id=data["customer"],
            channel="api",
            subject=data["subject"],
            description=data["description"],
            received_at=now,
        )
    return HttpResponse("ok", status=201)


urlpatterns = [*application, path("bench/bare/complaints/", bare_create, name="bench_bare_complaint_create")]
