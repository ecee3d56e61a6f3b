"""The application's routes plus the bare reference view the benchmark compares against."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.access import public
from csm.urls import urlpatterns as application
from surveys.models import Answer, Invitation, Response


@public
@csrf_exempt
def bare_submit(request, invitation_id: int):
    """The least a submission can do: insert one response with ten answers, nothing else (no
    token, no validation, no scores, no audit)."""
    invitation = (
        Invitation.objects.only("pk", "campaign_id", "customer_id", "campaign__questionnaire_version_id")
        .select_related("campaign")
        .get(pk=invitation_id)
    )
    question_ids = request.POST.getlist("question")
    with transaction.atomic():
        response = Response.objects.create(
            invitation_id=invitation.pk,
            campaign_id=invitation.campaign_id,
            questionnaire_version_id=invitation.campaign.questionnaire_version_id,
            customer_id=invitation.customer_id,
            language="zh-hans",
        )
        Answer.objects.bulk_create([Answer(response=response, question_id=int(q), score=4) for q in question_ids[:10]])
    return HttpResponse("ok")


urlpatterns = [*application, path("bench/bare/<int:invitation_id>/", bare_submit, name="bench_bare_submit")]
