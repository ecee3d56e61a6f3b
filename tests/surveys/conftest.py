import pytest


@pytest.fixture(autouse=True)
def _no_send_pause(settings):
    settings.SURVEY_SEND_PAUSE_SECONDS = 0
