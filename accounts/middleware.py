import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import resolve
from django.utils.translation import gettext as _

from .access import SAFE_METHODS


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login unless its view is marked `public` (Django's login_not_required)."""


# Writes an auditor may still make: they concern the auditor's own session, not business data.
AUDITOR_ALLOWED_WRITES = {
    "accounts:logout",
    "set_language",
    "accounts:password_change",
    "accounts:login",
    # The auditor's own API tokens: reading through the API is reading.
    "api:token_create",
    "api:token_revoke",
    "api:token_revoke_all",
}


# Pages whose GET shows only a form for a change (a new record, an edit, a delete confirmation): a
# read-only user who opens one by its address gets the read-only page (403.html) instead of a form
# that could never be sent and whose live parts (searches, previews) would fail one by one. Pages
# that show a record and also accept a change (a complaint, a feedback record, a review) stay open.
READ_ONLY_REFUSED_FORMS = frozenset(
    {
        "customers:create",
        "customers:update",
        "customers:delete",
        "customers:contact_create",
        "customers:contact_update",
        "customers:contact_delete",
        "customers:segment_create",
        "customers:segment_update",
        "customers:segment_delete",
        "visits:create",
        "visits:record",
        "visits:reschedule",
        "visits:cancel",
        "visits:plan_create",
        "visits:plan_update",
        "complaints:create",
        "complaints:action_create",
        "complaints:customer_inline_create",
        "surveys:campaign_create",
        "surveys:questionnaire_import",
        "surveys:version_derive",
        "surveys:question_add",
        "surveys:version_update",
        "surveys:question_update",
        "surveys:question_delete",
        "surveys:plan_create",
        "surveys:plan_update",
        "surveys:dimension_create",
        "surveys:dimension_update",
        "feedback:create",
        "feedback:records_upload",
        "feedback:delete",
        "feedback:benchmark_delete",
        "evidence:measurement_review_create",
        "evidence:management_review_create",
        "reports:objective_create",
        "reports:objective_update",
        "reports:analysis_schedule_create",
        # Only a button that issues a feed of the visits assigned to the user: read-only users have none.
        "visits:feed",
    }
)


class AuditorReadOnlyMiddleware:
    """A second, global guard: a read-only user's unsafe request is refused before any view runs, and
    so is opening a page that is only a form for a change (READ_ONLY_REFUSED_FORMS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_read_only", False):
            return None
        if request.method in SAFE_METHODS:
            if request.resolver_match is not None and request.resolver_match.view_name in READ_ONLY_REFUSED_FORMS:
                raise PermissionDenied
            return None
        if getattr(view_func, "csm_access", None) == "public":
            return None
        if getattr(view_func, "csm_read_only_may_request", False):  # accounts.access.request_permission
            return None
        match = resolve(request.path_info)
        if match.view_name in AUDITOR_ALLOWED_WRITES:
            return None
        if request.path_info.startswith("/api/"):
            # The API's error shape (core.api.exception_handler), not an HTML page.
            return JsonResponse({"message": _("Auditors have read-only access."), "extra": {}}, status=403)
        raise PermissionDenied


def session_activity_start(sender, request, user, **kwargs):
    """At login (user_logged_in): the session's idle clock starts now."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionTimeoutMiddleware.KEY] = int(time.time())


class IdleSessionTimeoutMiddleware:
    """Log out a session left idle for settings.SESSION_IDLE_TIMEOUT seconds (30 minutes).

    The time of the last request is kept in the session, rewritten at most once a minute so that
    not every request writes the session. An idle session's next request arrives logged out (the
    login page, then back to where the user was)."""

    KEY = "_csm_last_seen"
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last_seen is None or now - last_seen >= self.RESOLUTION:
                request.session[self.KEY] = now
        return self.get_response(request)
