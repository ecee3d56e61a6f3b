"""Response headers that protect every page, beside django-csp's Content-Security-Policy."""

from django.conf import settings
from django.http import HttpRequest


class SecurityHeadersMiddleware:
    """Adds the Permissions-Policy (settings.PERMISSIONS_POLICY) to every response, and
    `Cache-Control: no-store` to every page shown to a logged-in user: what they saw (customers,
    complaints, answers) stays out of shared and browser caches and off the back button after
    logout. Static files never get here (WhiteNoise answers first); public pages keep their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self._is_page(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response

    @staticmethod
    def _is_page(response) -> bool:
        return response.headers.get("Content-Type", "").startswith("text/html")
