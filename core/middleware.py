from django.http import HttpRequest

from .context import Origin, origin


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the only address we trust; behind a proxy, configure it to set REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        source = "api" if request.path.startswith("/api/") else "web"
        with origin(
            Origin(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
                source=source,
            )
        ):
            return self.get_response(request)
