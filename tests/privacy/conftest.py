"""A small world around one customer: two contacts, complaints, survey answers, a visit, feedback,
each with free text that names 李娜 (Li Na), her phone number or her e-mail address."""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services as complaint_services
from feedback.models import FeedbackRecord
from surveys.models import Answer
from tests.factories import ContactFactory, CustomerFactory
from tests.reports.factories import SurveyWorld
from visits import services as visit_services
from visits.models import Visit

LI_NA_PHONE = "138-0013-8000"
LI_NA_EMAIL = "Li.Na@example.com"


@dataclass
class World:
    customer: object
    li_na: object
    wang_wei: object
    her_complaint: object
    his_complaint: object
    response: object
    visit: object
    feedback: object
    survey: SurveyWorld


@pytest.fixture
def world(db, staff_user, django_capture_on_commit_callbacks) -> World:
    customer = CustomerFactory(
        name="上海精工机械有限公司", code="K-001", phone="021-5555 0101", email="info@jinggong.example",
        address="上海市浦东新区张江路 88 号", notes="李娜 prefers calls after 14:00",
    )  # fmt: skip
    li_na = ContactFactory(
        customer=customer, name="李娜", phone=LI_NA_PHONE, email=LI_NA_EMAIL, role="采购经理",
        survey_consent=True, consent_at=timezone.now(),
    )  # fmt: skip
    wang_wei = ContactFactory(customer=customer, name="Wang Wei", phone="139 1111 2222", email="wang.wei@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        her_complaint = complaint_services.complaint_open(
            actor=staff_user,
            customer=customer,
            contact=li_na,
            channel="hotline",
            subject="李娜: pump leaks",
            description=f"李娜 called from {LI_NA_PHONE.replace('-', ' ')}; write to li.na@EXAMPLE.com.",
        )
        complaint_services.complaint_transition(actor=staff_user, complaint=her_complaint, action="acknowledge")
        complaint_services.complaint_note_add(actor=staff_user, complaint=her_complaint, text="Called 李娜 back.")
        his_complaint = complaint_services.complaint_open(
            actor=staff_user,
            customer=customer,
            contact=wang_wei,
            channel="email",
            subject="Late delivery",
            description="Wang Wei says the order was two days late.",
        )
    survey = SurveyWorld()
    response = survey.respond(when=timezone.now(), customer=customer, scores={"quality": 4, "delivery": 2}, recommend=8)
    response.invitation.contact = li_na
    response.invitation.email = LI_NA_EMAIL
    response.invitation.save(update_fields=["contact", "email"])
    type(response).objects.filter(pk=response.pk).update(contact=li_na)
    comment = survey.questions["overall"]
    Answer.objects.create(response=response, question=comment, text="Ask for 李娜, 13800138000.")
    visit = Visit.objects.create(customer=customer, due_date=timezone.localdate(), assignee=staff_user)
    visit_services.visit_record(
        actor=staff_user,
        visit=visit,
        visited_on=timezone.localdate(),
        summary="Met 李娜 and Wang Wei at the plant.",
        contact_ids=[li_na.pk, wang_wei.pk],
        issues=["李娜 wants a spare seal"],
    )
    feedback = FeedbackRecord.objects.create(
        source="compliment", received_on=timezone.localdate(), customer=customer, sentiment="positive",
        summary="Compliment from 李娜", details="She wrote from li.na@example.com", recorded_by=staff_user,
    )  # fmt: skip
    mail.outbox.clear()
    return World(customer, li_na, wang_wei, her_complaint, his_complaint, response, visit, feedback, survey)
