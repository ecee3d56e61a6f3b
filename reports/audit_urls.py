from django.urls import path

from . import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_list_view, name="audit_list"),
    path("export.csv", audit_views.audit_export_view, name="audit_export"),
    path("verify/", audit_views.audit_verify_view, name="audit_verify"),
]
