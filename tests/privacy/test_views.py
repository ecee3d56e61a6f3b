"""The customer page's Privacy requests, per role: managers and administrators export and erase
(with a typed reason and a confirmation); staff and auditors are refused on the server."""

import pytest
from django.urls import reverse

from customers.models import Contact
from privacy.models import SubjectRequest

pytestmark = pytest.mark.django_db


def urls(world) -> list[tuple[str, str]]:
    return [
        ("get", reverse("privacy:customer", args=[world.customer.pk])),
        ("post", reverse("privacy:customer_export", args=[world.customer.pk])),
        ("post", reverse("privacy:contact_export", args=[world.li_na.pk])),
        ("get", reverse("privacy:contact_erase", args=[world.li_na.pk])),
        ("post", reverse("privacy:contact_erase", args=[world.li_na.pk])),
        ("get", reverse("privacy:customer_erase", args=[world.customer.pk])),
        ("post", reverse("privacy:customer_erase", args=[world.customer.pk])),
    ]


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_are_refused_everywhere_and_nothing_changes(client, user_of_role, world, role):
    client.force_login(user_of_role(role))
    for method, url in urls(world):
        data = {"reason": "客户来电要求删除", "confirm": "on"} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 403, (role, method, url)
    assert Contact.objects.get(pk=world.li_na.pk).name == "李娜"
    assert not SubjectRequest.objects.exists()


def test_the_customer_page_shows_the_section_to_managers_only(manager_client, staff_client, auditor_client, world):
    url = world.customer.get_absolute_url()
    assert 'data-testid="privacy-requests"' in manager_client.get(url).content.decode()
    for client in (staff_client, auditor_client):
        assert 'data-testid="privacy-requests"' not in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_administrators_open_the_requests_page(client, user_of_role, world, role):
    client.force_login(user_of_role(role))
    page = client.get(reverse("privacy:customer", args=[world.customer.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("privacy:contact_erase", args=[world.li_na.pk]) in html
    assert reverse("privacy:contact_export", args=[world.li_na.pk]) in html


def test_erasing_needs_a_typed_reason_and_the_confirmation(manager_client, world):
    url = reverse("privacy:contact_erase", args=[world.li_na.pk])
    confirm_page = manager_client.get(url)
    assert confirm_page.status_code == 200 and f"Erased contact #{world.li_na.pk}" in confirm_page.content.decode()

    for data in ({"reason": "", "confirm": "on"}, {"reason": "客户来电要求删除"}, {"reason": "ab", "confirm": "on"}):
        response = manager_client.post(url, data)
        assert response.status_code == 200 and "error" in response.content.decode(), data
    assert Contact.objects.get(pk=world.li_na.pk).name == "李娜" and not SubjectRequest.objects.exists()


def test_a_manager_erases_a_contact_and_a_second_try_changes_nothing(manager_client, manager_user, world):
    url = reverse("privacy:contact_erase", args=[world.li_na.pk])
    response = manager_client.post(url, {"reason": "客户 12 月 1 日来电要求删除", "confirm": "on"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("privacy:customer", args=[world.customer.pk])
    assert f"Erased: the records now read Erased contact #{world.li_na.pk}." in response.content.decode()
    assert Contact.objects.get(pk=world.li_na.pk).name == f"Erased contact #{world.li_na.pk}"
    request = SubjectRequest.objects.get(kind="erase")
    assert (request.handled_by, request.reason) == (manager_user, "客户 12 月 1 日来电要求删除")

    again = manager_client.post(url, {"reason": "again", "confirm": "on"})
    assert again.status_code == 200 and "already erased" in again.content.decode()
    assert SubjectRequest.objects.filter(kind="erase").count() == 1


def test_an_unknown_subject_is_404(manager_client):
    assert manager_client.get(reverse("privacy:contact_erase", args=[999999])).status_code == 404
    assert manager_client.post(reverse("privacy:customer_export", args=[999999])).status_code == 404


def test_export_is_post_only(manager_client, world):
    assert manager_client.get(reverse("privacy:contact_export", args=[world.li_na.pk])).status_code == 405
