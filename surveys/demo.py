"""Demo survey for `manage.py seed_demo`: a campaign of the general-satisfaction questionnaire sent
to the general customers segment, with about twenty responses of varied scores so that results,
CSI, NPS and the loyalty index (repurchase, recommending, staying against a competitor) show, and a
few invitations opened but not answered.

Everything goes through surveys.services: campaign_create, campaign_send, the send batches (run
here rather than by the worker, so the campaign is running when the seed ends) and
response_submit, as a customer's answer form would call it.
"""

from __future__ import annotations

import datetime
import random

from django.http import QueryDict
from django.utils import timezone

from surveys import services
from surveys.models import Campaign, Invitation, Questionnaire
from visits.demo import GENERAL_SEGMENT, segment_get_or_create

CAMPAIGN = "2026 年度顾客满意度调查 / Customer satisfaction survey 2026"
RATED = ("quality", "delivery", "price", "service_attitude", "response_speed", "after_sales")
RESPONSES = 20
COMMENTS = {
    "zh-hans": [
        "产品质量稳定，希望交货期能再缩短一些。",
        "售后工程师响应及时，服务专业。",
        "价格偏高，希望提供批量折扣。",
        "",
        "希望加强技术培训和使用指导。",
    ],
    "en": [
        "Reliable products; the price is on the high side.",
        "Delivery was late twice this year.",
        "",
        "Great after-sales support, thank you.",
    ],
}
QUALITY_WHY = {"zh-hans": "同批次产品有渗漏现象。", "en": "Several units leaked at the flange."}


def _answers(rng: random.Random, language: str) -> dict:
    mood = rng.choices([5, 4, 3, 2], [5, 8, 4, 2])[0]
    data = {}
    for code in RATED:
        data[f"q-{code}"] = str(max(1, min(5, mood + rng.choice([-1, 0, 0, 0, 1]))))
        data[f"q-{code}-importance"] = str(rng.choice([3, 4, 5, 5]))
    # Overall satisfaction follows the dimensions, quality and delivery most (the key drivers show it).
    drivers = (int(data["q-quality"]) + int(data["q-delivery"])) / 2
    data["q-overall"] = str(max(1, min(5, round(drivers + rng.choice([-0.4, 0, 0, 0.4])))))
    low, high = {5: (9, 10), 4: (7, 9), 3: (5, 8), 2: (1, 5)}[mood]
    data["q-recommend"] = str(rng.randint(low, high))
    # Loyalty (顾客忠诚) follows satisfaction loosely: a satisfied customer may still be tempted away.
    data["q-repurchase"] = str(max(1, min(5, mood + rng.choice([-1, 0, 0, 1]))))
    data["q-retention"] = str(max(1, min(5, mood + rng.choice([-2, -1, 0, 0]))))
    if int(data["q-quality"]) <= 2:
        data["q-quality_why"] = QUALITY_WHY.get(language, QUALITY_WHY["en"])
    comment = rng.choice(COMMENTS.get(language, COMMENTS["en"]))
    if comment:
        data["q-comment"] = comment
    return data


def _post(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, [value])
    return query


def seed(*, users: dict, rng: random.Random) -> None:
    if Campaign.objects.filter(name=CAMPAIGN).exists():
        return
    manager = users["manager"]
    segment = segment_get_or_create(
        manager,
        GENERAL_SEGMENT,
        "Current external customers of the general tier",
        {"scope": "external", "tier": "general", "lifecycle": "current"},
    )
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    campaign = services.campaign_create(
        actor=manager,
        name=CAMPAIGN,
        version=version,
        segment=segment,
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    services.campaign_send(actor=manager, campaign=campaign)
    services.campaign_send_batches(campaign_id=campaign.pk)

    invitations = list(campaign.invitations.select_related("campaign__questionnaire_version").order_by("pk"))
    rng.shuffle(invitations)
    answered = invitations[: min(RESPONSES, max(len(invitations) - 3, 0))]
    for invitation in answered:
        services.invitation_open(invitation=invitation)
        services.response_submit(
            invitation=invitation, data=_post(_answers(rng, invitation.language)), language=invitation.language
        )
    for invitation in invitations[len(answered) : len(answered) + 3]:
        if invitation.status != Invitation.Status.BOUNCED:
            services.invitation_open(invitation=invitation)
