from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.evidence_view, name="home"),
    path("packs/", views.pack_create_view, name="pack_create"),
    path("packs/<int:pk>/", views.pack_detail_view, name="pack_detail"),
    path("packs/<int:pk>/progress/", views.pack_progress_view, name="pack_progress"),
    path("packs/<int:pk>/download/", views.pack_download_view, name="pack_download"),
    path("chain/", views.chain_verification_view, name="chain_verification"),
    path("chain/start/", views.chain_verification_start_view, name="chain_verification_start"),
    path("chain/<int:pk>/progress/", views.chain_verification_progress_view, name="chain_verification_progress"),
    path("reviews/measurement/", views.measurement_review_list_view, name="measurement_review_list"),
    path("reviews/measurement/new/", views.measurement_review_create_view, name="measurement_review_create"),
    path("reviews/measurement/<int:pk>/", views.measurement_review_update_view, name="measurement_review_update"),
    path("reviews/management/", views.management_review_list_view, name="management_review_list"),
    path("reviews/management/new/", views.management_review_create_view, name="management_review_create"),
    path("reviews/management/<int:pk>/", views.management_review_update_view, name="management_review_update"),
]
