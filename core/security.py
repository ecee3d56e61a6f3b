"""Response headers that protect every page, beside django-csp's Content-Security-Policy."""

from django.conf import settings
from django.http import HttpRequest


class SecurityHeadersMiddleware:
    """Adds the Permissions-Policy (settings.PERMISSIONS_POLICY) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
