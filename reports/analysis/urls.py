from django.urls import path

from . import views

urlpatterns = [
    path("analysis/", views.analysis_report_list_view, name="analysis_list"),
    path("analysis/<int:pk>/", views.analysis_report_detail_view, name="analysis_detail"),
    path("analysis/<int:pk>/progress/", views.analysis_report_progress_view, name="analysis_progress"),
    path("analysis/<int:pk>/download.<str:file_format>", views.analysis_report_download_view, name="analysis_download"),
    path("analysis/schedules/", views.report_schedule_list_view, name="analysis_schedule_list"),
    path("analysis/schedules/new/", views.report_schedule_create_view, name="analysis_schedule_create"),
    path("analysis/schedules/<int:pk>/", views.report_schedule_update_view, name="analysis_schedule_update"),
]
