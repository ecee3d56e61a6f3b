from django.urls import path

from .views import customers, imports, segments

app_name = "customers"
urlpatterns = [
    path("", customers.customer_list_view, name="list"),
    path("new/", customers.customer_create_view, name="create"),
    path("export.<str:file_format>", customers.customer_export_view, name="export"),
    path("<int:pk>/", customers.customer_detail_view, name="detail"),
    path("<int:pk>/edit/", customers.customer_update_view, name="update"),
    path("<int:pk>/lifecycle/", customers.customer_lifecycle_view, name="lifecycle"),
    path("<int:pk>/delete/", customers.customer_delete_view, name="delete"),
    path("<int:pk>/contacts/new/", customers.contact_create_view, name="contact_create"),
    path("contacts/<int:pk>/edit/", customers.contact_update_view, name="contact_update"),
    path("contacts/<int:pk>/delete/", customers.contact_delete_view, name="contact_delete"),
    path("segments/", segments.segment_list_view, name="segment_list"),
    path("segments/new/", segments.segment_create_view, name="segment_create"),
    path("segments/preview/", segments.segment_preview_view, name="segment_preview"),
    path("segments/<int:pk>/", segments.segment_detail_view, name="segment_detail"),
    path("segments/<int:pk>/edit/", segments.segment_update_view, name="segment_update"),
    path("segments/<int:pk>/delete/", segments.segment_delete_view, name="segment_delete"),
    path("import/", imports.import_upload_view, name="import_upload"),
    path("import/<int:pk>/", imports.import_detail_view, name="import_detail"),
    path("import/<int:pk>/errors.csv", imports.import_errors_view, name="import_errors"),
    path("import/<int:pk>/encoding/", imports.import_encoding_view, name="import_encoding"),
]
