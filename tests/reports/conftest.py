import pytest
import time_machine

from tests.reports.factories import at


@pytest.fixture
def march_10():
    """Today is 10 March 2026 (local), and time runs on from there."""
    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        yield
