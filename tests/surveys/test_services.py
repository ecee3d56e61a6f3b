"""Campaigns, sending, reminders, opt-out, answering and the closed loop, against the database."""

import datetime

import pytest
from django.core import mail
from django.http import QueryDict
from django.utils import timezone

from complaints.models import Complaint
from core.exceptions import ApplicationError
from core.mail import mail_outbox_sweep
from core.models import OutboxMessage
from customers.models import Contact
from surveys import selectors, services
from surveys.models import Campaign, Invitation, MeasurementPlan, Response
from tests.factories import CustomerFactory, SegmentFactory

from .factories import (
    committed,
    customers_with_contacts,
    full_answers,
    general_version,
    running_campaign,
    submit,
    token_of,
)

pytestmark = pytest.mark.django_db


def qd(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


@pytest.fixture
def segment(manager_user):
    return SegmentFactory(criteria={"tier": "key"}, created_by=manager_user)


def test_campaign_invites_only_consenting_customers_of_the_segment(manager_user, segment):
    invited = customers_with_contacts(3, tier="key")
    customers_with_contacts(2, tier="general")  # not in the segment
    CustomerFactory(tier="key")  # no contact who consented

    campaign = running_campaign(manager_user, segment)

    assert set(campaign.invitations.values_list("customer_id", flat=True)) == {c.pk for c in invited}


def test_sending_emails_each_recipient_in_their_language_with_an_opt_out_link(manager_user, segment):
    (english,) = customers_with_contacts(1, tier="key", language="en")
    (chinese,) = customers_with_contacts(1, tier="key", language="zh-hans")

    campaign = running_campaign(manager_user, segment)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert len(mail.outbox) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    en = by_address[english.contacts.get().email]
    zh = by_address[chinese.contacts.get().email]
    assert en.subject == "Customer satisfaction survey" and "Please answer our survey" in en.body
    assert zh.subject == "顾客满意度调查" and "顾客满意度调查" in zh.body
    for message in (en, zh):
        invitation = Invitation.objects.get(email=message.to[0])
        assert f"/surveys/r/{token_of(invitation)}/" in message.body
        assert f"/surveys/r/{token_of(invitation)}/opt-out/" in message.body
        assert invitation.status == Invitation.Status.SENT
    assert set(Invitation.objects.values_list("language", flat=True)) == {"en", "zh-hans"}


def test_sending_locks_the_questionnaire_version_and_edits_need_a_new_version(manager_user, segment):
    customers_with_contacts(1, tier="key")
    version = general_version()

    running_campaign(manager_user, segment, version=version)

    version.refresh_from_db()
    assert version.is_locked
    with pytest.raises(ApplicationError):
        services.question_add(
            actor=manager_user, version=version, data={"code": "new", "kind": "text", "text_en": "x", "text_zh": "x"}
        )
    draft = services.questionnaire_version_derive(actor=manager_user, version=version)
    services.question_add(
        actor=manager_user, version=draft, data={"code": "new", "kind": "text", "text_en": "x", "text_zh": "x"}
    )
    assert draft.number == 2 and draft.questions.count() == version.questions.count() + 1


def test_answers_point_to_the_version_they_answered(manager_user, segment):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment)
    invitation = campaign.invitations.get()
    services.questionnaire_version_derive(actor=manager_user, version=campaign.questionnaire_version)

    response = submit(invitation, full_answers())

    assert response.questionnaire_version == campaign.questionnaire_version
    assert {a.question.version_id for a in response.answers.select_related("question")} == {
        campaign.questionnaire_version_id
    }


def test_a_submission_needs_the_required_answers_and_keeps_what_was_given(manager_user, segment):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, segment).invitations.get()

    with pytest.raises(ApplicationError) as error:
        submit(invitation, {"q-quality": "4"})

    assert "delivery" in error.value.extra and "quality" not in error.value.extra
    invitation.refresh_from_db()
    assert invitation.draft == {"quality": 4} and not Response.objects.exists()


def test_a_low_score_asks_why_and_requires_nothing_more(manager_user, segment):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, segment).invitations.get()
    data = full_answers(score=5)
    data.update({"q-quality": "1", "q-quality_why": "Scratched housings", "q-comment": "ok"})

    response = submit(invitation, data)

    texts = dict(response.answers.filter(question__kind="text").values_list("question__code", "text"))
    assert texts == {"quality_why": "Scratched housings", "comment": "ok"}


def test_an_answer_to_a_question_not_asked_is_not_stored(manager_user, segment):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, segment).invitations.get()
    data = full_answers(score=5)
    data["q-quality_why"] = "left over from an earlier low score"

    response = submit(invitation, data)

    assert not response.answers.filter(question__code="quality_why").exists()


def test_one_response_per_invitation_even_when_submitted_twice(manager_user, segment):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, segment).invitations.get()
    submit(invitation, full_answers())

    with pytest.raises(services.AlreadyAnswered):
        submit(invitation, full_answers())

    assert Response.objects.count() == 1
    with pytest.raises(services.LinkUnusable):
        services.invitation_for_token(token_of(invitation))


def test_the_response_carries_its_satisfaction_index_and_recommendation(manager_user, segment):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, segment).invitations.get()

    response = submit(invitation, full_answers(score=4, recommend=10))

    assert response.csi == 75 and response.nps_score == 10


# -- reminders ---------------------------------------------------------------------------------------


def _later(days):
    return timezone.now() + datetime.timedelta(days=days)


def test_reminders_go_only_to_non_responders_at_most_max_times_and_days_apart(manager_user, segment):
    customers_with_contacts(3, tier="key")
    campaign = running_campaign(manager_user, segment, reminder_max=2, reminder_interval_days=7)
    answered, opted_out, silent = campaign.invitations.order_by("pk")
    submit(answered, full_answers())
    services.invitation_opt_out(invitation=opted_out)
    mail.outbox.clear()

    with committed():
        assert services.invitation_reminders_send(now=_later(3)) == 0  # too early
        assert services.invitation_reminders_send(now=_later(8)) == 1
        assert services.invitation_reminders_send(now=_later(10)) == 0  # the last reminder was 2 days ago
        assert services.invitation_reminders_send(now=_later(16)) == 1
        assert services.invitation_reminders_send(now=_later(25)) == 0  # the maximum of 2 is reached

    assert [m.to[0] for m in mail.outbox] == [silent.email, silent.email]
    assert mail.outbox[0].subject.startswith("Reminder:")
    silent.refresh_from_db()
    assert silent.reminder_count == 2


def test_no_reminder_after_the_link_expired_or_the_campaign_closed(manager_user, segment):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment, closes_at=_later(5))
    mail.outbox.clear()

    assert services.invitation_reminders_send(now=_later(8)) == 0
    services.campaign_close(actor=manager_user, campaign=campaign)
    assert services.invitation_reminders_send(now=_later(1)) == 0
    assert mail.outbox == []


def test_opt_out_withdraws_consent_and_keeps_the_customer_out_of_the_next_campaign(manager_user, segment):
    (customer,) = customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment)

    services.invitation_opt_out(invitation=campaign.invitations.get())

    contact = Contact.objects.get(customer=customer)
    assert not contact.may_be_surveyed and contact.consent_withdrawn_at is not None
    with pytest.raises(ApplicationError):
        running_campaign(manager_user, segment, name="Next")


# -- plans -------------------------------------------------------------------------------------------


def _plan(manager, segments, **fields):
    data = {
        "name": "2026 satisfaction",
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 12, 31),
        "objective": "Satisfaction rate >= 90%",
        "owner": manager,
        "margin_of_error": "0.10",
        **fields,
    }
    return services.plan_create(actor=manager, data=data, segments=segments)


def test_plan_sample_is_reproducible_and_a_campaign_freezes_the_plan(manager_user):
    key = SegmentFactory(name="Key", criteria={"tier": "key"})
    general = SegmentFactory(name="General", criteria={"tier": "general"})
    # 31 and 89 of 120: shares of 54 are 13.95 and 40.05, no tie for the rounding to break by the
    # order of the segments' ids (30/90 gave 13.5/40.5, and the answer depended on the ids).
    customers_with_contacts(31, tier="key")
    customers_with_contacts(89, tier="general")
    plan = _plan(manager_user, [key, general])

    first = selectors.plan_sample(plan=plan)
    again = selectors.plan_sample(plan=MeasurementPlan.objects.get(pk=plan.pk))

    assert first.population == 120
    assert first.size == again.size == len(first.customer_ids) == 54  # 95% ± 10% of 120
    assert first.customer_ids == again.customer_ids
    assert first.per_segment == {key.pk: 14, general.pk: 40}

    campaign = services.campaign_create(
        actor=manager_user, name="From plan", version=general_version(), plan=plan, closes_at=_later(10)
    )

    assert sorted(campaign.invitations.values_list("customer_id", flat=True)) == first.customer_ids
    plan.refresh_from_db()
    assert plan.is_frozen
    with pytest.raises(ApplicationError):
        services.plan_update(actor=manager_user, plan=plan, data={"name": "changed"}, segments=[key])


def test_customers_surveyed_recently_are_left_out_of_the_plan_population(manager_user, segment):
    customers_with_contacts(4, tier="key")
    running_campaign(manager_user, segment)
    plan = _plan(manager_user, [segment], contact_interval_days=90)

    assert selectors.plan_sample(plan=plan).population == 0


def test_staff_and_auditors_cannot_create_campaigns(staff_user, auditor_user, segment):
    customers_with_contacts(1, tier="key")
    for user in (staff_user, auditor_user):
        with pytest.raises(ApplicationError):
            running_campaign(user, segment)
    assert not Campaign.objects.exists()


# -- closed loop -------------------------------------------------------------------------------------


def test_a_detractor_alerts_the_owner_and_opens_one_complaint_linked_to_the_response(manager_user, staff_user, segment):
    (customer,) = customers_with_contacts(1, tier="key", owner=staff_user)
    invitation = running_campaign(manager_user, segment).invitations.get()
    mail.outbox.clear()

    response = submit(invitation, full_answers(score=5, recommend=3))

    response.refresh_from_db()
    complaint = Complaint.objects.get()
    assert response.complaint == complaint and complaint.customer == customer
    assert response.alerted_at is not None
    assert [m.to for m in mail.outbox] == [sorted({staff_user.email, manager_user.email})]
    assert complaint.reference in mail.outbox[0].body
    # The task delivered again does nothing more.
    services.response_alert(response_id=response.pk)
    assert Complaint.objects.count() == 1


def test_a_satisfied_promoter_raises_no_alert(manager_user, staff_user, segment):
    customers_with_contacts(1, tier="key", owner=staff_user)
    invitation = running_campaign(manager_user, segment).invitations.get()

    response = submit(invitation, full_answers(score=4, recommend=9))

    response.refresh_from_db()
    assert response.alerted_at is None and not Complaint.objects.exists()


def test_a_low_index_alerts_even_a_passive(manager_user, staff_user, segment):
    customers_with_contacts(1, tier="key", owner=staff_user)
    invitation = running_campaign(manager_user, segment).invitations.get()

    submit(invitation, full_answers(score=2, recommend=7))

    assert Complaint.objects.count() == 1


# -- delivery failures -------------------------------------------------------------------------------


def _sending_campaign(manager, segment):
    from tests.surveys.factories import general_version

    campaign = services.campaign_create(
        actor=manager, name="Mail", version=general_version(), segment=segment, closes_at=_later(30)
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    return campaign


def test_a_refused_address_is_a_bounce_and_the_others_are_sent(manager_user, segment, settings):
    settings.EMAIL_BACKEND = "tests.surveys.mail_backends.RefusingBackend"
    customers_with_contacts(2, tier="key")
    Contact.objects.filter(pk=Contact.objects.order_by("pk").first().pk).update(email="refused@example.com")
    campaign = _sending_campaign(manager_user, segment)

    with committed():
        assert services.campaign_send_batches(campaign_id=campaign.pk) == 2  # both handed to the outbox

    statuses = dict(campaign.invitations.values_list("email", "status"))
    assert statuses["refused@example.com"] == Invitation.Status.BOUNCED  # told by the outbox
    assert sorted(statuses.values()) == [Invitation.Status.BOUNCED, Invitation.Status.SENT]
    bounced = campaign.invitations.get(email="refused@example.com")
    assert "No such user" in bounced.bounce_reason
    assert OutboxMessage.objects.get(reference=f"invitation:{bounced.pk}").status == OutboxMessage.Status.FAILED
    assert len(mail.outbox) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING


def test_a_relay_outage_loses_no_invitation_and_sends_none_twice(manager_user, segment, settings):
    settings.EMAIL_BACKEND = "tests.surveys.mail_backends.FlakyRelayBackend"
    customers_with_contacts(3, tier="key")
    campaign = _sending_campaign(manager_user, segment)

    with committed():
        assert services.campaign_send_batches(campaign_id=campaign.pk) == 3

    assert len(mail.outbox) == 1  # the relay dropped the connection after the first
    pending = OutboxMessage.objects.filter(template="surveys/invitation", status=OutboxMessage.Status.PENDING)
    assert pending.count() == 2 and all(m.last_error for m in pending)
    assert campaign.invitations.filter(status=Invitation.Status.SENT).count() == 3  # none marked bounced
    with committed():
        assert services.campaign_send_batches(campaign_id=campaign.pk) == 0  # a repeated task adds nothing

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with committed():
        assert mail_outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1)) == 2  # the retries
    assert len(mail.outbox) == 3 and len({m.to[0] for m in mail.outbox}) == 3


def test_a_reminder_whose_send_failed_is_sent_on_the_next_run(manager_user, segment, settings, monkeypatch):
    customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, segment, reminder_max=1)
    assert len(mail.outbox) == 2
    settings.EMAIL_BACKEND = "tests.surveys.mail_backends.FlakyRelayBackend"
    monkeypatch.setattr("tests.surveys.mail_backends.FlakyRelayBackend.budget", 3)

    with committed():
        assert services.invitation_reminders_send(now=_later(8)) == 2

    assert len(mail.outbox) == 3  # one reminder out, the other met the outage
    assert list(campaign.invitations.values_list("reminder_count", flat=True)) == [1, 1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with committed():
        assert services.invitation_reminders_send(now=_later(8)) == 0  # counted once
        mail_outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder:")]
    assert sorted(m.to[0] for m in reminders) == sorted(campaign.invitations.values_list("email", flat=True))


def test_an_invitation_the_outbox_gives_up_on_is_bounced_unless_answered(manager_user, segment, settings):
    settings.EMAIL_BACKEND = "tests.surveys.mail_backends.FlakyRelayBackend"
    settings.MAIL_DELIVERY_MAX_RETRIES = 0
    customers_with_contacts(3, tier="key")
    campaign = _sending_campaign(manager_user, segment)
    with committed():
        services.campaign_send_batches(campaign_id=campaign.pk)

    statuses = sorted(campaign.invitations.values_list("status", flat=True))
    assert statuses == [Invitation.Status.BOUNCED, Invitation.Status.BOUNCED, Invitation.Status.SENT]
    assert all(
        "Connection unexpectedly closed" in reason
        for reason in campaign.invitations.filter(status=Invitation.Status.BOUNCED).values_list(
            "bounce_reason", flat=True
        )
    )


def test_a_low_score_schedules_the_follow_up_visit_its_event_plan_asks_for(manager_user, staff_user, segment):
    from visits.models import Visit, VisitPlan

    assert VisitPlan.objects.filter(trigger="low_survey_score", is_active=True).count() == 1  # shipped by visits
    (customer,) = customers_with_contacts(1, tier="key", owner=staff_user)
    invitation = running_campaign(manager_user, segment).invitations.get()

    response = submit(invitation, full_answers(score=1, recommend=2))
    services.response_alert(response_id=response.pk)  # delivered again: nothing more

    visit = Visit.objects.get()
    assert visit.customer == customer and visit.trigger_reference == f"survey_response:{response.pk}"
    assert "A follow-up visit was scheduled." in mail.outbox[-1].body
