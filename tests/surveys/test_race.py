"""One response per invitation, whatever the timing: the database's OneToOne decides."""

import threading

import pytest
from django.db import connection, connections
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Response
from tests.factories import SegmentFactory

from .factories import customers_with_contacts, full_answers, running_campaign, token_of


def _query(data):
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


@pytest.mark.django_db
def test_two_submissions_that_both_passed_the_checks_store_one_response(manager_user):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"})).invitations.get()
    token = token_of(invitation)
    # Both requests looked the link up before either stored anything: both saw it open.
    first_view = services.invitation_for_token(token)
    second_view = services.invitation_for_token(token)

    services.response_submit(invitation=first_view, data=_query(full_answers()), language="en")
    with pytest.raises(services.AlreadyAnswered):
        services.response_submit(invitation=second_view, data=_query(full_answers(score=1)), language="en")

    response = Response.objects.get()
    assert Answer.objects.filter(response=response, question__code="quality").get().score == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_posts_store_exactly_one_response_on_postgresql(manager_user):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"})).invitations.get()
    url = reverse("surveys:answer", args=[token_of(invitation)])
    statuses = []
    barrier = threading.Barrier(20)

    def post():
        try:
            barrier.wait()
            statuses.append(Client().post(url, full_answers()).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Response.objects.filter(invitation=invitation).count() == 1
    assert sorted(statuses) == [200] + [404] * 19
