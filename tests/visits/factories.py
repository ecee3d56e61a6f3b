"""Factories for visits: plans, visits, scores, issues."""

import datetime

import factory

from tests.factories import CustomerFactory, SegmentFactory
from visits.models import Visit, VisitIssue, VisitPlan


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    trigger = "schedule"
    segment = factory.SubFactory(SegmentFactory)
    cadence = "monthly"
    anchor_day = 1
    horizon_days = 14
    channel = "on_site"
    purpose = "relationship"
    assignment = "owner"
    time_zone = "Asia/Shanghai"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    customer = factory.SubFactory(CustomerFactory)
    trigger = "schedule"
    due_date = factory.LazyFunction(datetime.date.today)
    channel = "on_site"
    purpose = "relationship"


class VisitIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitIssue

    visit = factory.SubFactory(VisitFactory)
    description = factory.Sequence(lambda n: f"Issue {n}")
