from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list_view, name="list"),
    path("new/", views.feedback_create_view, name="create"),
    path("import/", views.feedback_import_view, name="records_upload"),
    path("<int:pk>/", views.feedback_update_view, name="update"),
    path("<int:pk>/delete/", views.feedback_delete_view, name="delete"),
    path("benchmarks/", views.benchmark_list_view, name="benchmarks"),
    path("benchmarks/<int:pk>/delete/", views.benchmark_delete_view, name="benchmark_delete"),
]
