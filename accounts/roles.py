"""Granting permissions to roles from migrations. Each app's migration grants its own models'."""

from django.contrib.auth.management import create_permissions


def grant(apps, schema_editor, role_permissions: dict[str, list[str]]) -> None:
    """role_permissions maps a role name to "app_label.codename" strings; creates what is missing."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in role_permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
