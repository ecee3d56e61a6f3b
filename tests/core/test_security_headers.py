"""The Content Security Policy is in effect (a real nonce, the directives) and the Permissions-Policy is sent."""

import re

import pytest

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]{16,})'")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/customers/", "/api/docs/", "/api/redoc/"])
def test_pages_get_a_real_nonce_that_their_inline_scripts_carry(manager_client, path):
    response = manager_client.get(path)

    assert response.status_code == 200
    policy = directives(response)
    assert "'nonce'" not in policy["script-src"]
    nonces = [NONCE.fullmatch(source) for source in policy["script-src"]]
    nonce = next(match.group(1) for match in nonces if match)
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts, "the page has scripts"
    inline = [tag for tag in scripts if " src=" not in tag]
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline
    # Scripts with a source are our own static files ('self').
    assert all(re.search(r' src="/static/', tag) for tag in scripts if tag not in inline), scripts


@pytest.mark.django_db
def test_the_policy_has_the_protective_directives(manager_client):
    policy = directives(manager_client.get("/customers/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


@pytest.mark.django_db
def test_the_docs_pages_load_nothing_from_outside(manager_client):
    for path in ("/api/docs/", "/api/redoc/"):
        html = manager_client.get(path).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path
        assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_only_redoc_may_start_a_worker_from_a_blob(manager_client):
    assert directives(manager_client.get("/api/redoc/"))["worker-src"] == ["'self'", "blob:"]
    assert "worker-src" not in directives(manager_client.get("/api/docs/"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz"])
def test_every_response_switches_off_the_browser_features_no_page_uses(client, path):
    policy = client.get(path)["Permissions-Policy"]

    features = dict(item.strip().split("=", 1) for item in policy.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
