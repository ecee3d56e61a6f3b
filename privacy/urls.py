from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("customers/<int:pk>/", views.customer_privacy_view, name="customer"),
    path("customers/<int:pk>/export/", views.customer_export_view, name="customer_export"),
    path("customers/<int:pk>/erase/", views.customer_erase_view, name="customer_erase"),
    path("contacts/<int:pk>/export/", views.contact_export_view, name="contact_export"),
    path("contacts/<int:pk>/erase/", views.contact_erase_view, name="contact_erase"),
]
