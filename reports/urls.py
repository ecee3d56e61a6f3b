from django.urls import include, path

from . import comments, drilldown, exports, objective_views, views

app_name = "reports"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/charts/<slug:key>.svg", views.dashboard_chart_view, name="dashboard_chart"),
    path("dashboard/responses/", views.response_list_view, name="responses"),
    path("dashboard/complaints/", drilldown.complaint_records_view, name="complaints"),
    path("dashboard/visits/", drilldown.visit_records_view, name="visits"),
    path("dashboard/comments/", comments.comment_list_view, name="comments"),
    path("objectives/", objective_views.objective_list_view, name="objective_list"),
    path("objectives/new/", objective_views.objective_create_view, name="objective_create"),
    path("objectives/<int:pk>/", objective_views.objective_detail_view, name="objective_detail"),
    path("objectives/<int:pk>/edit/", objective_views.objective_update_view, name="objective_update"),
    path("objectives/<int:pk>/retire/", objective_views.objective_retire_view, name="objective_retire"),
    path("registers/<str:register>.<str:file_format>", exports.register_export_view, name="register_export"),
    path("", include("reports.analysis.urls")),
]
