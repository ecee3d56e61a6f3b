from django.urls import path

from .views import complaint, configuration, from_visit, public, queue

app_name = "complaints"
urlpatterns = [
    path("", queue.complaint_list_view, name="list"),
    path("assign/", queue.complaint_bulk_assign_view, name="bulk_assign"),
    path("new/", complaint.complaint_create_view, name="create"),
    path("new/customers/", complaint.customer_search_view, name="customer_search"),
    path("new/customers/new/", complaint.customer_inline_create_view, name="customer_inline_create"),
    path("new/customers/<int:pk>/", complaint.customer_choose_view, name="customer_choose"),
    path("<int:pk>/", complaint.complaint_detail_view, name="detail"),
    path("<int:pk>/8d/", complaint.complaint_eight_d_view, name="eight_d"),
    path("<int:pk>/8d.pdf", complaint.complaint_eight_d_pdf_view, name="eight_d_pdf"),
    path("<int:pk>/step/", complaint.complaint_transition_view, name="transition"),
    path("<int:pk>/assign/", complaint.complaint_assign_view, name="assign"),
    path("<int:pk>/note/", complaint.complaint_note_view, name="note"),
    path("<int:pk>/clock/", complaint.complaint_clock_view, name="clock"),
    path("<int:pk>/root-cause/", complaint.complaint_root_cause_view, name="root_cause"),
    path("actions/new/", complaint.corrective_action_create_view, name="action_create"),
    path("actions/<int:pk>/done/", complaint.corrective_action_complete_view, name="action_complete"),
    path("actions/<int:pk>/verify/", complaint.corrective_action_verify_view, name="action_verify"),
    path("<int:pk>/attachments/", complaint.attachment_upload_view, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", complaint.attachment_download_view, name="attachment"),
    path("from-visit-issue/<int:pk>/", from_visit.issue_complaint_view, name="from_visit_issue"),
    path("configuration/", configuration.configuration_view, name="configuration"),
    path("web/", public.complaint_web_form_view, name="web_form"),
    path("status/<str:token>/", public.complaint_status_view, name="status"),
]
