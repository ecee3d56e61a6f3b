from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

from .context import Origin, origin


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one function behind every per-address limit (survey links, the
    complaint form, the login lockout), the API's throttle (DRF's NUM_PROXIES, the same rule) and
    the audit trail's origin.

    With TRUSTED_PROXY_COUNT = 0, REMOTE_ADDR and nothing else: X-Forwarded-For is anyone's to
    write. With N trusted proxies in front, each appending the address it was reached from, the
    client is the N-th address from the right of X-Forwarded-For (the right-most hop no trusted
    proxy wrote for itself); whatever a client put to the left of it is ignored. django-ipware
    parses the header; its proxy_count counts the proxies listed *in* the header, which is N - 1
    because the last proxy is REMOTE_ADDR. Without a usable header: REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=trusted - 1,
        strict=False,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
    )
    return address or remote


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
