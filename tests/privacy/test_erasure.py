"""Erasing a contact or a customer on request: personal fields become a stable pseudonym, free text
that names them is rewritten, every figure stays, old audit entries stay as they were (the chain
still verifies), and the erasure itself is a new audited entry with who, when and why."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint
from core.audit_chain import audit_chain_seal, audit_chain_verify
from core.exceptions import ApplicationError
from core.models import AuditEvent, OutboxMessage
from customers.models import Contact, Customer
from feedback.models import FeedbackRecord
from privacy import selectors, services
from privacy.models import SubjectRequest
from reports.figures import Period, headline_figures
from reports.services import facts_fill
from surveys.models import Answer, Invitation, Response
from visits.models import Visit, VisitIssue

pytestmark = pytest.mark.django_db

REASON = "客户 2026-12-01 来电要求删除个人信息"


def erase_contact(actor, contact, reason=REASON):
    return services.subject_erase(actor=actor, subject=selectors.subject_of_contact(pk=contact.pk), reason=reason)


def erase_customer(actor, customer, reason=REASON):
    return services.subject_erase(actor=actor, subject=selectors.subject_of_customer(pk=customer.pk), reason=reason)


def everything_said(world) -> str:
    """Every text stored about the customer, in one string, to look for what must be gone."""
    parts = []
    for complaint in Complaint.objects.filter(customer=world.customer):
        parts += [complaint.subject, complaint.description, complaint.satisfaction_comment]
        parts += [event.comment + str(event.parameters) for event in complaint.events.all()]
    parts += list(Answer.objects.filter(response__customer=world.customer).values_list("text", flat=True))
    parts += [str(i.email) + str(i.draft) for i in Invitation.objects.filter(customer=world.customer)]
    for visit in Visit.objects.filter(customer=world.customer):
        parts += [visit.summary, visit.next_steps]
    parts += list(VisitIssue.objects.filter(visit__customer=world.customer).values_list("description", flat=True))
    for feedback in FeedbackRecord.objects.filter(customer=world.customer):
        parts += [feedback.summary, feedback.details]
    for contact in Contact.objects.filter(customer=world.customer):
        parts += [contact.name, contact.phone, contact.email, contact.role]
    customer = Customer.objects.get(pk=world.customer.pk)
    parts += [customer.name, customer.code, customer.phone, customer.email, customer.address, customer.notes]
    return "\n".join(parts)


def test_erasing_a_contact_replaces_her_fields_by_a_stable_pseudonym(manager_user, world):
    result = erase_contact(manager_user, world.li_na)

    li_na = Contact.objects.get(pk=world.li_na.pk)
    pseudonym = f"Erased contact #{li_na.pk}"
    assert result.request.pseudonym == pseudonym and not result.already_erased
    assert (li_na.name, li_na.phone, li_na.email, li_na.role) == (pseudonym, "", "", "")
    assert not li_na.survey_consent and li_na.consent_withdrawn_at is not None and not li_na.may_be_surveyed
    said = everything_said(world)
    for value in ("李娜", "13800138000", "138 0013 8000", "li.na@", "Li.Na@"):
        assert value not in said, value
    complaint = Complaint.objects.get(pk=world.her_complaint.pk)
    assert complaint.subject == f"{pseudonym}: pump leaks"
    assert complaint.description == f"{pseudonym} called from [erased]; write to [erased]."
    assert complaint.events.filter(comment=f"Called {pseudonym} back.").exists()
    assert Answer.objects.get(response=world.response, text__gt="").text == f"Ask for {pseudonym}, [erased]."
    assert Visit.objects.get(pk=world.visit.pk).summary == f"Met {pseudonym} and Wang Wei at the plant."
    assert FeedbackRecord.objects.get(pk=world.feedback.pk).summary == f"Compliment from {pseudonym}"


def test_a_contacts_erasure_leaves_the_customer_and_the_other_contact_alone(manager_user, world):
    erase_contact(manager_user, world.li_na)

    assert Contact.objects.get(pk=world.wang_wei.pk).email == "wang.wei@example.com"
    customer = Customer.objects.get(pk=world.customer.pk)
    assert (customer.name, customer.code, customer.phone) == ("上海精工机械有限公司", "K-001", "021-5555 0101")
    assert Complaint.objects.get(pk=world.his_complaint.pk).description == "Wang Wei says the order was two days late."


def test_erasing_a_customer_erases_it_and_every_contact(manager_user, world):
    erase_customer(manager_user, world.customer)

    customer = Customer.objects.get(pk=world.customer.pk)
    assert customer.name == f"Erased customer #{customer.pk}" and customer.code == f"ERASED-{customer.pk}"
    assert (customer.phone, customer.email, customer.address, customer.notes) == ("", "", "", "")
    names = set(Contact.objects.filter(customer=customer).values_list("name", flat=True))
    assert names == {f"Erased contact #{world.li_na.pk}", f"Erased contact #{world.wang_wei.pk}"}
    said = everything_said(world)
    for value in ("李娜", "Wang Wei", "上海精工", "wang.wei@", "li.na@", "13800138000", "139 1111 2222"):
        assert value not in said, value
    assert Complaint.objects.get(pk=world.his_complaint.pk).description == (
        f"Erased contact #{world.wang_wei.pk} says the order was two days late."
    )


def test_the_figures_are_the_same_before_and_after(manager_user, world):
    facts_fill(until=timezone.now() + datetime.timedelta(minutes=1))
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=30), today)

    def figures():
        return {key: (figure.value, figure.n) for key, figure in headline_figures(period=period, today=today).items()}

    before = figures()
    assert before["csi"][1] == 1  # the one response counts, before and after
    counts_before = (Complaint.objects.count(), Response.objects.count(), Answer.objects.count(), Visit.objects.count())
    scores_before = list(Answer.objects.order_by("pk").values_list("score", "importance"))
    timing_before = list(Complaint.objects.order_by("pk").values_list("state", "received_at", "acknowledged_at"))

    erase_customer(manager_user, world.customer)
    facts_fill(until=timezone.now() + datetime.timedelta(minutes=2))

    assert figures() == before
    assert (Complaint.objects.count(), Response.objects.count(), Answer.objects.count(), Visit.objects.count()) == (
        counts_before
    )
    assert list(Answer.objects.order_by("pk").values_list("score", "importance")) == scores_before
    assert (
        list(Complaint.objects.order_by("pk").values_list("state", "received_at", "acknowledged_at")) == timing_before
    )
    assert Response.objects.get(pk=world.response.pk).csi == world.response.csi


def test_old_audit_entries_are_untouched_and_the_chain_still_verifies(manager_user, world):
    later = timezone.now() + datetime.timedelta(hours=1)
    audit_chain_seal(now=later)
    old = list(AuditEvent.objects.order_by("pk").values())
    assert any("李娜" in str(row["changes"]) + row["object_repr"] for row in old)  # the trail named her

    erase_contact(manager_user, world.li_na)
    audit_chain_seal(now=later + datetime.timedelta(hours=1))

    assert list(AuditEvent.objects.filter(pk__lte=old[-1]["id"]).order_by("pk").values()) == old
    result = audit_chain_verify()
    assert result.ok and result.unsealed == 0
    out = io.StringIO()
    call_command("audit_verify", stdout=out)  # exits 1 (CommandError) on a break
    assert out.getvalue().strip()


def test_the_erasure_is_a_new_audit_entry_with_who_when_why_and_no_personal_value(manager_user, world):
    before = AuditEvent.objects.count()
    result = erase_contact(manager_user, world.li_na)

    new = AuditEvent.objects.filter(pk__gt=AuditEvent.objects.order_by("pk")[before - 1].pk)
    entry = new.for_object(world.li_na).get()
    assert entry.actor == manager_user and entry.at is not None
    assert REASON in entry.comment
    assert entry.changes == {
        "data_subject_erasure": [None, result.request.pk],
        "pseudonym": [None, result.request.pseudonym],
    }
    assert entry.object_repr == result.request.pseudonym
    for event in new:
        text = str(event.changes) + event.comment + event.object_repr
        assert "李娜" not in text and "li.na" not in text.lower() and "13800138000" not in text
    # The complaint, the answer's response, the visit and the feedback record each say so too.
    assert new.for_object(world.her_complaint).exists() and new.for_object(world.visit).exists()
    request = SubjectRequest.objects.get(kind="erase")
    assert (request.handled_by, request.reason, request.subject_id) == (manager_user, REASON, world.li_na.pk)


def test_erasing_twice_changes_nothing_the_second_time(manager_user, world):
    first = erase_contact(manager_user, world.li_na)
    events = AuditEvent.objects.count()
    snapshot = everything_said(world)

    second = erase_contact(manager_user, world.li_na, reason="asked again by phone")

    assert second.already_erased and second.request == first.request
    assert AuditEvent.objects.count() == events and everything_said(world) == snapshot
    assert SubjectRequest.objects.filter(kind="erase").count() == 1


def test_a_contact_of_an_erased_customer_is_already_erased(manager_user, world):
    erase_customer(manager_user, world.customer)
    assert erase_contact(manager_user, world.li_na).already_erased


def test_staff_and_auditors_are_refused_and_nothing_changes(staff_user, auditor_user, world):
    for user in (staff_user, auditor_user):
        with pytest.raises(ApplicationError, match="Only a manager"):
            erase_contact(user, world.li_na)
    assert Contact.objects.get(pk=world.li_na.pk).name == "李娜" and not SubjectRequest.objects.exists()


def test_a_reason_is_required(manager_user, world):
    with pytest.raises(ApplicationError, match="Say why"):
        erase_contact(manager_user, world.li_na, reason="  ")
    assert Contact.objects.get(pk=world.li_na.pk).name == "李娜"


def test_mail_waiting_for_an_erased_address_is_not_sent(manager_user, world):
    OutboxMessage.objects.create(
        to=["li.na@example.com"], from_email="csm@localhost", subject="x", body_text="Dear 李娜",
        template="surveys/reminder", language="zh-hans",
    )  # fmt: skip
    erase_contact(manager_user, world.li_na)
    message = OutboxMessage.objects.get(template="surveys/reminder")
    assert (message.to, message.status, message.body_text) == ([], "failed", "")


def test_her_status_link_stops_working(manager_user, world):
    assert Complaint.objects.get(pk=world.her_complaint.pk).status_token_hash
    erase_contact(manager_user, world.li_na)
    assert Complaint.objects.get(pk=world.her_complaint.pk).status_token_hash == ""
    assert Complaint.objects.get(pk=world.his_complaint.pk).status_token_hash == ""  # never acknowledged


def test_the_commands_erase_once_and_say_so(world):
    out = io.StringIO()
    call_command("subject_erase", "--contact", str(world.li_na.pk), "--reason", REASON, stdout=out)
    assert f"Erased contact #{world.li_na.pk}" in out.getvalue()
    assert Contact.objects.get(pk=world.li_na.pk).name == f"Erased contact #{world.li_na.pk}"
    entry = AuditEvent.objects.for_object(world.li_na).order_by("-pk").first()
    assert (entry.actor_name, entry.source) == ("system", "command")

    out = io.StringIO()
    call_command("subject_erase", "--contact", str(world.li_na.pk), "--reason", REASON, stdout=out)
    assert "Already erased" in out.getvalue()


def test_a_reason_that_names_her_is_kept_without_her_name(manager_user, world):
    result = erase_contact(manager_user, world.li_na, reason="李娜 asked by e-mail from li.na@example.com")
    expected = f"Erased contact #{world.li_na.pk} asked by e-mail from [erased]"
    assert result.request.reason == expected
    assert expected in AuditEvent.objects.for_object(world.li_na).order_by("-pk").first().comment
