from .models import Role


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset(), "user_read_only": False}
    names = user.role_names
    labels = [Role(name).label for name in names if name in Role.values]
    return {"user_roles": names, "user_role_labels": labels, "user_read_only": user.is_read_only}
