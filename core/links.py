"""Absolute links for e-mails, PDFs and exports: the one place that knows where users reach the site."""

from django.conf import settings


def site_url(path: str = "", *, base_url: str | None = None) -> str:
    """settings.SITE_URL (or an explicit base, e.g. a request's) joined with an absolute path."""
    base = (base_url or settings.SITE_URL).rstrip("/")
    return base + path
