"""The application's routes plus the bare reference view the benchmark compares against."""

from django.db import transaction
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.access import public
from csm.urls import urlpatterns as application
from surveys.models import Answer, Invitation, Question, Response


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


# A plain Django survey page: each question and its inputs, from a template, nothing else (no token,
# no draft, no conditions, no translations, no layout).
BARE_PAGE = engines["django"].from_string(
    '<!doctype html><html><head><title>Survey</title></head><body><form method="post">'
    "{% for q in questions %}<fieldset><legend>{{ forloop.counter }} {{ q.text_zh }}</legend>"
    '{% if q.scale %}{% for v in q.scale %}<label><input type="radio" name="q-{{ q.code }}" value="{{ v }}">'
    ' {{ v }}</label>{% endfor %}{% else %}<textarea name="q-{{ q.code }}"></textarea>{% endif %}</fieldset>'
    '{% endfor %}<button type="submit">Submit</button></form></body></html>'
)


@public
def bare_page(request, invitation_id: int):
    """The least a survey page can do: the invitation's questions from one query, rendered."""
    questions = list(
        Question.objects.filter(version__campaigns__invitations=invitation_id)
        .order_by("position", "pk")
        .values("code", "kind", "text_zh", "scale_max")
    )
    for question in questions:
        if question["kind"] == "nps":
            question["scale"] = range(0, 11)
        elif question["kind"] == "rating":
            question["scale"] = range(1, question["scale_max"] + 1)
    return HttpResponse(BARE_PAGE.render({"questions": questions}))


urlpatterns = [
    *application,
    path("bench/bare/<int:invitation_id>/", bare_submit, name="bench_bare_submit"),
    path("bench/bare-page/<int:invitation_id>/", bare_page, name="bench_bare_page"),
]
