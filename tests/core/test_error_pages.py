"""The error pages (403, 404, 500, a refused form post) in both languages, in the product's look, each
with a way back; and the read-only page an auditor gets for a form they cannot send."""

import pytest
from django.template import loader
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from accounts.middleware import READ_ONLY_REFUSED_FORMS
from tests.factories import CustomerFactory

LANGUAGES = ("en", "zh-hans")
HOME = 'href="/" data-testid="home-link"'

TEXTS = {
    "404": {"en": "Page not found", "zh-hans": "页面不存在"},
    "403": {"en": "Your role does not give access to this page", "zh-hans": "您的角色无权访问此页面"},
    "read-only": {"en": "Your role can read but not change this", "zh-hans": "您的角色只能查看，不能更改此内容"},
    "csrf": {"en": "The form could not be sent", "zh-hans": "表单未能提交"},
    "500": {"en": "Something went wrong on our side", "zh-hans": "系统出错了"},
}


def in_language(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


def page_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_address_gets_the_404_page_in_the_readers_language(staff_client, language):
    response = in_language(staff_client, language).get("/no-such-page/")

    assert response.status_code == 404
    page = page_of(response)
    assert TEXTS["404"][language] in page and f'<html lang="{language}">' in page
    assert HOME in page and "css/app.css" in page  # the product's look, and a way back


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_record_gets_the_404_page(staff_client, language):
    response = in_language(staff_client, language).get(reverse("customers:detail", args=[999_999]))

    assert response.status_code == 404 and TEXTS["404"][language] in page_of(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_outside_the_role_gets_the_403_page(staff_client, language):
    response = in_language(staff_client, language).get(reverse("customers:import_upload"))

    assert response.status_code == 403
    page = page_of(response)
    assert TEXTS["403"][language] in page and TEXTS["read-only"][language] not in page
    assert HOME in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_auditor_opening_a_form_by_its_address_gets_the_read_only_page(auditor_client, language):
    response = in_language(auditor_client, language).get(reverse("customers:create"))

    assert response.status_code == 403
    page = page_of(response)
    assert TEXTS["read-only"][language] in page and 'data-testid="read-only"' in page
    assert "<form" not in page and HOME in page


def test_an_auditor_gets_the_read_only_page_for_every_form_page(auditor_client, db):
    customer = CustomerFactory()
    failures = []
    for name in sorted(READ_ONLY_REFUSED_FORMS):
        pattern = _patterns()[name]
        url = reverse(name, args=[customer.pk] * pattern.count("<"))
        response = auditor_client.get(url)
        if response.status_code != 403 or TEXTS["read-only"]["en"] not in page_of(response):
            failures.append(f"{name} {url}: {response.status_code}")

    assert failures == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_auditors_refused_post_gets_the_read_only_page(auditor_client, language):
    response = in_language(auditor_client, language).post(reverse("customers:create"), {"name": "x"})

    assert response.status_code == 403 and TEXTS["read-only"][language] in page_of(response)


def test_staff_still_get_the_form(staff_client):
    response = staff_client.get(reverse("customers:create"))

    assert response.status_code == 200 and "<form" in page_of(response)


def test_every_new_edit_and_delete_page_is_refused_to_read_only_users():
    """A form page added later without its entry would show auditors a form that cannot be sent."""
    forms = {
        name
        for name, pattern in _patterns().items()
        if pattern.endswith(("new/", "edit/", "delete/")) and not name.startswith("admin:")
    }

    assert forms - READ_ONLY_REFUSED_FORMS == set()
    assert READ_ONLY_REFUSED_FORMS - set(_patterns()) == set()  # no stale names


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_post_without_its_csrf_token_gets_the_csrf_page(db, language):
    client = in_language(Client(enforce_csrf_checks=True), language)

    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})

    assert response.status_code == 403
    page = page_of(response)
    assert TEXTS["csrf"][language] in page and 'data-testid="csrf-failure"' in page and HOME in page


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failing_page_gets_the_500_page_in_the_readers_language(db, language):
    client = in_language(Client(raise_request_exception=False), language)

    response = client.get("/test-failure/")

    assert response.status_code == 500
    page = page_of(response)
    assert TEXTS["500"][language] in page and f'<html lang="{language}">' in page and HOME in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_renders_without_a_request_a_urlconf_or_static_files(settings, language):
    """Django renders 500.html with no request and no context processors, maybe because the URLconf
    or the storage is what failed: the page must not need them."""
    settings.ROOT_URLCONF = "tests.core.no_such_urlconf"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "tests.core.no_such_storage"}}

    with translation.override(language):
        page = loader.get_template("500.html").render()

    assert TEXTS["500"][language] in page and HOME in page


def _patterns() -> dict[str, str]:
    """Every named route of the project: view name -> its pattern."""
    found: dict[str, str] = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                found[f"{namespace}:{entry.name}" if namespace else entry.name] = prefix + str(entry.pattern)

    walk(get_resolver(), "", "")
    return found
