from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.access import permission, public
from csm.health import healthz

# The schema and its docs describe every endpoint, so they are for logged-in users only.
schema_view = permission("customers.view_customer")(SpectacularAPIView.as_view())
docs_view = permission("customers.view_customer")(SpectacularSwaggerView.as_view(url_name="schema"))
# Redoc runs its search in a web worker it creates from a blob: URL; only this page allows that.
redoc_view = permission("customers.view_customer")(
    csp_update({"worker-src": [SELF, "blob:"]})(SpectacularRedocView.as_view(url_name="schema"))
)

urlpatterns = [
    path("", include("reports.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("surveys/", include("surveys.urls")),
    path("feedback/", include("feedback.urls")),
    path("privacy/", include("privacy.urls")),
    path("evidence/", include("evidence.urls")),
    path("audit/", include("reports.audit_urls")),
    path("api/v1/", include("csm.api_urls")),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", docs_view, name="api_docs"),
    path("api/redoc/", redoc_view, name="api_redoc"),
    path("admin/", admin.site.urls),
]
