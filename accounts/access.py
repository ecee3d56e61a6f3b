"""The access decision, in one place: every view's, and every service's "may this user write X".

Every route declares who may use it: `public` (no login), or read and write permissions. The test
suite walks the URLconf and fails on a route without a decision, and checks that auditors cannot
write through any route.

Services, views and templates ask `can(user, "app.permission")` (a boolean: may this user write what
the permission guards?) or call `require(user, "app.permission", message)` (raises ApplicationError).
Both refuse anonymous and read-only users (auditors) whatever permissions they hold. Rules about one
record (staff change only their own customers) build on `can` in the app's services.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def public(view):
    """A page anyone may open without logging in (health check, public survey and status pages)."""
    view = login_not_required(view)
    view.csm_access = "public"
    return view


def authenticated(view):
    """A page about the user's own account (password, profile): any logged-in user."""
    view.csm_access = "authenticated"
    return view


def can(user, permission: str) -> bool:
    """Whether `user` may write what `permission` ("app.codename") guards: logged in, not read-only,
    and holding the permission."""
    return (
        user is not None
        and user.is_authenticated
        and not getattr(user, "is_read_only", True)
        and user.has_perm(permission)
    )


def require(user, permission: str, message: str | None = None) -> None:
    """Raise ApplicationError with `message` (by default a general refusal) unless `can(user, permission)`."""
    if not can(user, permission):
        raise ApplicationError(message or _("You are not allowed to make this change."))


def check(request: HttpRequest, read: str | None, write: str | None) -> None:
    """A view's decision: `read` for safe methods, `write` for the others; raises PermissionDenied."""
    user = request.user
    if request.method in SAFE_METHODS:
        if read and not user.has_perm(read):
            raise PermissionDenied
        return
    if write is None or not can(user, write):
        raise PermissionDenied


def may_open(user, path: str) -> bool:
    """Whether `user` may GET the page at `path`, by the decision its view declares (as check() reads
    it for a safe method): for links built once and shown to many readers (cached charts)."""
    try:
        func = resolve(path).func
    except Resolver404:
        return False
    view_class = getattr(func, "view_class", None)
    access = getattr(view_class or func, "csm_access", None)
    if access == "public":
        return True
    if not user.is_authenticated:
        return False
    if access == "authenticated":
        return True
    if isinstance(access, tuple):
        read = access[1]
    elif view_class is not None and access == "permission":
        read = view_class.permission_read
    else:
        return False
    return not read or user.has_perm(read)


def permission(read: str | None, write: str | None = None):
    """Function views: `read` for GET/HEAD, `write` for every other method (None: no writing)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            check(request, read, write)
            return view(request, *args, **kwargs)

        wrapped.csm_access = ("permission", read, write)
        return wrapped

    return decorator


def request_permission(name: str):
    """Function views whose POST asks the application to produce something for the user (an evidence
    pack) and changes no business record: GET and POST both need `name`, and read-only users who hold
    it may POST too (the global read-only guard lets such a view through). The request is recorded
    in the audit trail by the service it calls."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.csm_access = ("permission", name, name)
        wrapped.csm_read_only_may_request = True
        return wrapped

    return decorator


class PermissionMixin(AccessMixin):
    """Class-based views: set permission_read and permission_write (None: the view never writes)."""

    permission_read: str | None = None
    permission_write: str | None = None
    csm_access = "permission"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        check(request, self.permission_read, self.permission_write)
        return super().dispatch(request, *args, **kwargs)
