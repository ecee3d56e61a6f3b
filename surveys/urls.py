from django.urls import path

from .views import campaigns, plans, public, questionnaires, settings

app_name = "surveys"
urlpatterns = [
    path("", campaigns.campaign_list_view, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create_view, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail_view, name="campaign_detail"),
    path("campaigns/<int:pk>/send/", campaigns.campaign_send_view, name="campaign_send"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close_view, name="campaign_close"),
    path("campaigns/<int:pk>/open-link/", campaigns.campaign_open_link_view, name="campaign_open_link"),
    path("campaigns/<int:pk>/open-link/qr.svg", campaigns.campaign_open_link_qr_view, name="campaign_open_link_qr"),
    path("campaigns/<int:pk>/links/", campaigns.campaign_links_view, name="campaign_links"),
    path("campaigns/<int:pk>/methodology/", campaigns.campaign_methodology_view, name="campaign_methodology"),
    path("campaigns/<int:pk>/responses.<str:file_format>", campaigns.campaign_export_view, name="campaign_export"),
    path("responses/<int:pk>/", campaigns.response_detail_view, name="response_detail"),
    path("questionnaires/", questionnaires.questionnaire_list_view, name="questionnaire_list"),
    path("questionnaires/import/", questionnaires.questionnaire_import_view, name="questionnaire_import"),
    path("questionnaires/<int:pk>/", questionnaires.questionnaire_detail_view, name="questionnaire_detail"),
    path("versions/<int:pk>/export.json", questionnaires.version_export_view, name="version_export"),
    path("versions/<int:pk>/new-version/", questionnaires.version_derive_view, name="version_derive"),
    path("versions/<int:pk>/questions/new/", questionnaires.question_add_view, name="question_add"),
    path("versions/<int:pk>/edit/", questionnaires.version_update_view, name="version_update"),
    path("questions/<int:pk>/edit/", questionnaires.question_update_view, name="question_update"),
    path("questions/<int:pk>/move/", questionnaires.question_move_view, name="question_move"),
    path("questions/<int:pk>/delete/", questionnaires.question_delete_view, name="question_delete"),
    path("plans/", plans.plan_list_view, name="plan_list"),
    path("plans/new/", plans.plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail_view, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_update_view, name="plan_update"),
    path("dimensions/", settings.dimension_list_view, name="dimension_list"),
    path("dimensions/new/", settings.dimension_create_view, name="dimension_create"),
    path("dimensions/<int:pk>/edit/", settings.dimension_update_view, name="dimension_update"),
    path("dimensions/<int:pk>/active/", settings.dimension_active_view, name="dimension_active"),
    path("page-settings/", settings.page_settings_view, name="page_settings"),
    # The organisation's logo on the survey pages (public: customers open them without an account).
    path("logo/<str:version>/", public.organisation_logo_view, name="organisation_logo"),
    # The customer's personal link (no account): see surveys/views/public.py for the security notes.
    path("r/<str:token>/", public.answer_view, name="answer"),
    path("r/<str:token>/save/", public.answer_save_view, name="answer_save"),
    path("r/<str:token>/opt-out/", public.opt_out_view, name="opt_out"),
    # The campaign's anonymous open link (kiosk, QR code on a delivery note).
    path("o/<str:token>/", public.open_answer_view, name="open_answer"),
]
