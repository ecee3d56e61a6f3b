"""The API's access decision: model permissions per method, read-only for auditors."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class RolePermission(DjangoModelPermissions):
    """Like DjangoModelPermissions, but reading needs view_* too, and a read-only user never writes.

    Per-object rules (staff change only their own customers) live in the services, which the
    viewsets call, so the API cannot skip a check the UI has.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method not in SAFE_METHODS and getattr(request.user, "is_read_only", True):
            return False
        return super().has_permission(request, view)
