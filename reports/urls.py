from django.urls import include, path

from . import exports, views

app_name = "reports"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("registers/<str:register>.<str:file_format>", exports.register_export_view, name="register_export"),
    path("", include("reports.analysis.urls")),
]
