"""Managers' campaign pages: list, create, send, close, live tracking and results, links,
methodology and export. Thin: forms in, services and selectors out."""

from __future__ import annotations

import io
import math

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, permission
from core.exceptions import ApplicationError
from core.i18n import bilingual

from .. import links, scoring, selectors, services
from ..exporting import export_response
from ..forms import CampaignForm
from ..models import Campaign, Invitation

VIEW = "surveys.view_campaign"
CHANGE = "surveys.change_campaign"


@permission(VIEW)
def campaign_list_view(request):
    campaigns = (
        Campaign.objects.select_related("questionnaire_version__questionnaire", "plan", "segment")
        .annotate(
            invited=Count("invitations"),
            completed=Count("invitations", filter=Q(invitations__status=Invitation.Status.COMPLETED)),
        )
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "surveys/campaign_list.html",
        {"campaigns": campaigns, "can_add": can(request.user, "surveys.add_campaign")},
    )


@permission(VIEW, "surveys.add_campaign")
def campaign_create_view(request):
    form = CampaignForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                name=data["name"],
                version=data["version"],
                plan=data["plan"],
                segment=data["segment"],
                closes_at=data["closes_at"],
                reminder_max=data["reminder_max"],
                reminder_interval_days=data["reminder_interval_days"],
                satisfied_threshold=data["satisfied_threshold"],
                alert_threshold=data["alert_threshold"],
                trigger=data["trigger"] or "",
                close_after_responses=data.get("close_after_responses"),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Campaign created with %(n)s invitations. Check it, then send it.")
                % {"n": campaign.invitations.count()},
            )
            return redirect(campaign)
    return render(request, "surveys/campaign_form.html", {"form": form})


@permission(VIEW)
def campaign_detail_view(request, pk: int):
    campaign = get_object_or_404(
        Campaign.objects.select_related("questionnaire_version__questionnaire", "plan", "segment", "created_by"), pk=pk
    )
    tracking = selectors.campaign_tracking(campaign=campaign)
    if request.htmx:  # the live tracking figures, polled while the campaign sends and runs
        return render(request, "surveys/_tracking.html", {"campaign": campaign, "tracking": tracking})
    # The figures are the campaign's; the answers behind them (comments, alerts) only those the
    # reader may read.
    results = selectors.campaign_results(campaign=campaign, reader=request.user)
    for question in results.questions:
        peak = max((count for _value, count, _share in question.distribution), default=0)
        question.bars = [
            (value, count, share, round(count * 100 / peak) if peak else 0)
            for value, count, share in question.distribution
        ]
    open_link_url = open_link_qr = None
    if campaign.open_link:
        import segno
        from django.utils.safestring import mark_safe

        open_link_url = links.campaign_open_link_url(campaign, base_url=request.build_absolute_uri("/"))
        # segno writes the SVG itself (no user text in it): safe to inline.
        open_link_qr = mark_safe(segno.make(open_link_url, error="m").svg_inline(scale=3, dark="#1b2733"))  # noqa: S308
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "open_link_url": open_link_url,
            "open_link_qr": open_link_qr,
            "tracking": tracking,
            "results": results,
            "can_change": can(request.user, CHANGE),
            "can_export": request.user.has_perm("surveys.export_response"),
            "alerts": selectors.responses_visible_to(
                user=request.user, queryset=campaign.responses.filter(alerted_at__isnull=False)
            ).select_related("customer", "complaint")[:50],
        },
    )


@require_POST
@permission(VIEW, CHANGE)
def campaign_send_view(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        services.campaign_send(actor=request.user, campaign=campaign)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sending has started. E-mails go out in batches; this page shows the progress."))
    return redirect(campaign)


@require_POST
@permission(VIEW, CHANGE)
def campaign_close_view(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The campaign is closed; its links no longer accept answers."))
    return redirect(campaign)


@require_POST
@permission(VIEW, CHANGE)
def campaign_open_link_view(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.campaign_open_link_set(actor=request.user, campaign=campaign, enabled=enabled)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The open link is on.") if enabled else _("The open link is off."))
    return redirect(campaign)


@permission(VIEW)
def campaign_open_link_qr_view(request, pk: int):
    """The open link's QR code as an SVG file, to place on delivery notes, posters or a kiosk
    (vector: it prints sharp at any size). Readers of the campaign see the link on its page already;
    a campaign without an open link has no code (404)."""
    import segno

    campaign = get_object_or_404(Campaign, pk=pk)
    if not campaign.open_link:
        raise Http404
    url = links.campaign_open_link_url(campaign, base_url=request.build_absolute_uri("/"))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=4, xmldecl=True)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.pk}-qr.svg"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


LINKS_PER_PAGE = 60


@permission(CHANGE)
def campaign_links_view(request, pk: int):
    """The printable list of personal links with their QR codes, for channels other than e-mail
    (SMS, WeChat, a delivery note). Managers only: each link is a credential."""
    import segno
    from django.core.paginator import Paginator
    from django.utils.safestring import mark_safe

    campaign = get_object_or_404(Campaign.objects.select_related("questionnaire_version"), pk=pk)
    base = request.build_absolute_uri("/")
    invitations = (
        campaign.invitations.select_related("customer", "contact")
        .exclude(status=Invitation.Status.COMPLETED)
        .order_by("customer__name_sort", "customer__name", "pk")
    )
    page = Paginator(invitations, LINKS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for invitation in page:
        link = links.invitation_link(invitation, base_url=base)
        # segno writes the SVG itself (no user text in it): safe to inline.
        qr = mark_safe(segno.make(link, error="m").svg_inline(scale=2, dark="#1b2733"))  # noqa: S308
        rows.append((invitation, link, qr))
    return render(request, "surveys/campaign_links.html", {"campaign": campaign, "rows": rows, "page": page})


@permission("surveys.export_response")
def campaign_export_view(request, pk: int, file_format: str):
    if file_format not in ("csv", "xlsx"):
        raise Http404
    campaign = get_object_or_404(Campaign.objects.select_related("questionnaire_version"), pk=pk)
    codes = request.GET.get("codes") == "1"  # for machines: question codes, choice values, 1/0
    return export_response(campaign=campaign, file_format=file_format, actor=request.user, codes=codes)


@permission(VIEW)
def campaign_methodology_view(request, pk: int):
    """The calculation method, written from this campaign's actual configuration (auditors ask)."""
    campaign = get_object_or_404(
        Campaign.objects.select_related("questionnaire_version__questionnaire", "plan__owner", "segment"), pk=pk
    )
    questions = list(campaign.questionnaire_version.questions.select_related("dimension").order_by("position", "pk"))
    dimensions = {}
    for question in questions:
        if question.kind == "rating" and question.dimension_id:
            entry = dimensions.setdefault(
                question.dimension_id,
                {"dimension": question.dimension, "weight": question.effective_weight(), "questions": []},
            )
            entry["questions"].append(question)
    sampling = None
    plan = campaign.plan
    if plan is not None:
        z = scoring.z_score(float(plan.confidence_level))
        e = float(plan.margin_of_error)
        n0 = z * z * 0.25 / (e * e)
        sampling = {
            "plan": plan,
            "segments": list(plan.segments.order_by("name_sort", "name")),
            "z": z,
            "n0": n0,
            "n0_ceil": math.ceil(n0),
            "population": campaign.population_size,
            "size": campaign.sample_size,
            "invited": campaign.invitations.count(),
        }
    return render(
        request,
        "surveys/methodology.html",
        {
            "campaign": campaign,
            "dimensions": list(dimensions.values()),
            "total_weight": sum(d["weight"] for d in dimensions.values()),
            "has_nps": any(q.kind == "nps" for q in questions),
            # Ratings tied to no dimension and no loyalty aspect: overall satisfaction (key drivers).
            "overall_questions": [
                q for q in questions if q.kind == "rating" and not q.dimension_id and not q.loyalty_aspect
            ],
            "loyalty_questions": [q for q in questions if q.loyalty_aspect],
            "sampling": sampling,
            "promoter_min": scoring.PROMOTER_MIN,
            "complaint_low_rating": complaint_low_rating(),
            "detractor_max": scoring.DETRACTOR_MAX,
        },
    )


def complaint_low_rating() -> int:
    from complaints.services.satisfaction import LOW_RATING

    return LOW_RATING


@permission("surveys.view_response")
def response_detail_view(request, pk: int):
    """One response with its answers and scores, as the customer gave them (the version they saw)."""
    from ..models import Response

    response = get_object_or_404(
        selectors.responses_visible_to(
            user=request.user,
            queryset=Response.objects.select_related(
                "campaign", "customer__owner", "contact", "questionnaire_version", "complaint"
            ),
        ),
        pk=pk,
    )
    answers = {a.question_id: a for a in response.answers.all()}
    questions = list(response.questionnaire_version.questions.select_related("dimension").order_by("position", "pk"))
    rows = [
        (question, answers.get(question.pk), _choice_labels(question, answers.get(question.pk)))
        for question in questions
    ]
    return render(request, "surveys/response_detail.html", {"response": response, "rows": rows})


def _choice_labels(question, answer) -> str:
    """A choice answer as people read it: the choices' wording in the reader's language, not their
    stored values ("yes"/"no" translated)."""
    if answer is None or not answer.choices:
        return ""
    if question.kind == "yes_no":
        words = {"yes": _("Yes"), "no": _("No")}
        return ", ".join(str(words.get(value, value)) for value in answer.choices)
    labels = {str(choice.get("value")): bilingual(choice) or str(choice.get("value")) for choice in question.choices}
    return ", ".join(labels.get(str(value), str(value)) for value in answer.choices)
