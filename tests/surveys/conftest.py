import pytest


@pytest.fixture(autouse=True)
def _fresh_answering_caches():
    """Rolled-back test databases reuse ids: the per-process caches must not outlive a test."""
    from surveys.services import answering_caches_clear

    answering_caches_clear()
    yield
    answering_caches_clear()
