"""What the drills need in the database, written with the ORM and the services (django.setup() done).

Each drill gets its own customers, tagged with the drill's name, and a campaign to a segment of that
tag: a customer surveyed by one drill is not left out of another's campaign (contact interval)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from customers.models import Contact, Customer, Segment, Tag
from surveys import answering, services, tokens
from surveys.models import Campaign, Invitation, QuestionKind, Questionnaire

DOMAIN = "drill.example.com"


def manager() -> User:
    user, created = User.objects.get_or_create(
        username="drill-manager", defaults={"email": f"manager@{DOMAIN}", "preferred_language": "en"}
    )
    if created:
        user.groups.add(Group.objects.get(name="manager"))
    return user


def customers(*, drill: str, count: int) -> Tag:
    """`count` current customers, each with one consenting contact whose address ends in
    `@<drill>.drill.example.com`, all tagged `drill-<drill>`."""
    tag = Tag.objects.create(name=f"drill-{drill}")
    now = timezone.now()
    rows = Customer.objects.bulk_create(
        Customer(
            code=f"D{drill[:3].upper()}{number:06d}",
            name=f"Drill {drill} customer {number}",
            scope="external",
            chain_position="end",
            lifecycle="current",
            tier="general",
            region="east",
            industry="manufacturing",
        )
        for number in range(count)
    )
    Contact.objects.bulk_create(
        Contact(
            customer=customer,
            name=f"Contact {number}",
            email=f"contact{number}@{drill}.{DOMAIN}",
            preferred_language="en",
            survey_consent=True,
            consent_at=now,
            is_primary=True,
        )
        for number, customer in enumerate(rows)
    )
    Customer.tags.through.objects.bulk_create(Customer.tags.through(customer=c, tag=tag) for c in rows)
    return tag


def campaign(*, drill: str, tag: Tag) -> Campaign:
    """A campaign of the general questionnaire to the drill's customers, sent: its batches are queued
    (to the real broker) when this returns."""
    actor = manager()
    segment = Segment.objects.create(name=f"Drill {drill}", criteria={"tag": str(tag.pk)}, created_by=actor)
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    with transaction.atomic():
        created = services.campaign_create(
            actor=actor,
            name=f"Drill {drill}",
            version=version,
            segment=segment,
            closes_at=timezone.now() + datetime.timedelta(days=30),
        )
        return services.campaign_send(actor=actor, campaign=created)


def tokens_of(campaign: Campaign) -> list[str]:
    salts = Invitation.objects.filter(campaign=campaign).order_by("pk").values_list("token_salt", flat=True)
    return [tokens.token_for(salt) for salt in salts]


def answers_form(campaign: Campaign) -> tuple[dict[str, str], int]:
    """The POST body of a full answer (every unconditional question, top marks), and the number of
    answer rows one response must have."""
    questions = services.version_questions(campaign.questionnaire_version)
    data: dict[str, str] = {}
    answered = 0
    for question in questions:
        if question.condition_question_id:
            continue  # asked only after a low score: top marks leave it out
        name = answering.field_name(question)
        if question.is_scored:
            data[name] = str(question.scale_top)
            if question.ask_importance:
                data[answering.importance_name(question)] = str(question.scale_max)
        elif question.kind == QuestionKind.YES_NO:
            data[name] = "yes"
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            data[name] = str(question.choices[0]["value"])
        else:
            data[name] = "Answered by the load drill."
        answered += 1
    return data, answered
