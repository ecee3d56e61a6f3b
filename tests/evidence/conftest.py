"""A seeded data set for the evidence tests: one customer whose name, phone and e-mail must never
leak from a pseudonymised pack, a survey with answers, complaints with corrective actions (one done
without an effectiveness check), visits, feedback and review records, all in the last 30 days."""

import datetime
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from evidence import services
from evidence.models import EvidencePack
from evidence.selectors import Scope
from feedback.models import FeedbackRecord
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory
from tests.surveys.factories import SurveyableContactFactory, full_answers, running_campaign, submit
from tests.visits.factories import VisitFactory

CUSTOMER_NAME = "Harbour Logistics Ltd"
CUSTOMER_PHONE = "021-55501234"
CUSTOMER_EMAIL = "orders@harbour-logistics.example"
CONTACT_NAME = "Chen Jiaming"
CONTACT_PHONE = "13912345678"
CONTACT_EMAIL = "chen.jiaming@harbour-logistics.example"
SECOND_CONTACT = "Maria Rossi"
PERSONAL = (CUSTOMER_NAME, CUSTOMER_PHONE, CUSTOMER_EMAIL, CONTACT_NAME, CONTACT_PHONE, CONTACT_EMAIL, SECOND_CONTACT)
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def period():
    today = timezone.localdate()
    return Scope(since=today - datetime.timedelta(days=30), until=today)


@pytest.fixture
def world(manager_user, staff_user, period):
    segment = SegmentFactory(name="General customers", criteria={"tier": "general"})
    customer = CustomerFactory(
        name=CUSTOMER_NAME, phone=CUSTOMER_PHONE, email=CUSTOMER_EMAIL, tier="general", owner=staff_user
    )
    contact = SurveyableContactFactory(
        customer=customer, name=CONTACT_NAME, phone=CONTACT_PHONE, email=CONTACT_EMAIL, is_primary=True
    )
    ContactFactory(customer=customer, name=SECOND_CONTACT, phone="13700000001", email="m.rossi@harbour.example")
    others = [CustomerFactory(tier="general") for _ in range(2)]
    for other in others:
        SurveyableContactFactory(customer=other, is_primary=True)
    campaign = running_campaign(manager_user, segment, name="Quarterly satisfaction")
    responses = [submit(invitation, full_answers(score=4)) for invitation in campaign.invitations.order_by("pk")[:2]]
    complaints = [
        ComplaintFactory(
            customer=customer,
            contact=contact,
            subject=FORMULA if number == 0 else f"Late delivery {number}",
            description=f"{CONTACT_NAME} called from {CONTACT_PHONE} about {CUSTOMER_NAME}; write to {CONTACT_EMAIL}.",
            received_at=timezone.now() - datetime.timedelta(days=number + 1),
        )
        for number in range(6)
    ]
    now = timezone.now()
    complaints[1].state = "closed"
    complaints[1].acknowledged_at = complaints[1].resolved_at = complaints[1].closed_at = now
    complaints[1].satisfaction_at = now
    complaints[1].resolution = "Delivery slot moved"
    complaints[1].close_reason = "resolved"
    complaints[1].satisfaction_rating = 4
    complaints[1].save()
    CorrectiveActionFactory(complaint=complaints[0], owner=staff_user, status="done", done_at=now)  # unchecked
    CorrectiveActionFactory(
        complaint=complaints[1],
        owner=staff_user,
        status="done",
        done_at=now,
        result="effective",
        verified_at=now,
        verified_by=manager_user,
    )
    VisitFactory(customer=customer, due_date=period.until, status="done", visited_on=period.until, completed_at=now)
    VisitFactory(customer=others[0], due_date=period.until)
    FeedbackRecord.objects.create(
        source="compliment",
        received_on=period.until,
        customer=customer,
        sentiment="positive",
        summary=f"{CONTACT_NAME} thanks the driver",
        recorded_by=staff_user,
    )
    measurement = services.measurement_review_create(
        actor=manager_user,
        data={
            "reviewed_on": period.until,
            "reviewed_by": "Quality manager",
            "scope": "Questionnaire, sampling and CSI weights",
            "conclusion": "Methods fit for purpose",
            "next_review_due": period.until + datetime.timedelta(days=365),
        },
    )
    management = services.management_review_create(
        actor=manager_user,
        data={
            "held_on": period.until,
            "chair": "General manager",
            "participants": "Department heads",
            "satisfaction_input_taken": True,
            "satisfaction_input": "Q3 satisfaction analysis",
            "decisions": "Improve delivery punctuality",
        },
    )
    return {
        "segment": segment,
        "customer": customer,
        "contact": contact,
        "campaign": campaign,
        "responses": responses,
        "complaints": complaints,
        "measurement_review": measurement,
        "management_review": management,
    }


def build(actor, period, **kwargs) -> EvidencePack:
    pack = services.evidence_pack_request(
        actor=actor,
        since=period.since,
        until=period.until,
        language=kwargs.pop("language", "en"),
        sample_size=kwargs.pop("sample_size", 2),
        enqueue=False,
        **kwargs,
    )
    return services.evidence_pack_build(pack_id=pack.pk)


def unzip(pack: EvidencePack, folder: Path) -> dict[str, Path]:
    with zipfile.ZipFile(services.evidence_pack_path(pack)) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    return {name: folder / name for name in names}


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def quick_pdfs(monkeypatch):
    """PDFs stand-ins for the tests that are not about PDFs: each real one still costs about a second
    here (fontTools subsets the Chinese font on output; the fonts are parsed once per process)."""
    monkeypatch.setattr("evidence.pack.contents.document_pdf", lambda document: b"%PDF-1.4 " + document.title.encode())
    monkeypatch.setattr("evidence.pack.contents._eight_d", lambda context, pk: [b"%PDF-1.4 8D"])
