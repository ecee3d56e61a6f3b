"""Django's request log (every 4xx and 5xx answer, with its path) never holds a personal link."""

import logging

import pytest


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.mark.django_db
def test_a_refused_personal_link_is_logged_without_its_token(client):
    token = "Q" * 43  # the shape of a real token, belonging to no invitation
    records = _Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(records)
    try:
        assert client.get(f"/surveys/r/{token}/?lang=en").status_code == 404
        assert client.get(f"/complaints/status/{token}/").status_code == 404
    finally:
        logger.removeHandler(records)

    assert records.lines, "Django logged nothing for the refused links"
    assert not [line for line in records.lines if token in line]
    assert "Not Found: /surveys/r/<token>/" in records.lines
