from django.urls import path

from .views import public

app_name = "surveys"
urlpatterns = [
    # The customer's personal link (no account): see surveys/views/public.py for the security notes.
    path("r/<str:token>/", public.answer_view, name="answer"),
    path("r/<str:token>/save/", public.answer_save_view, name="answer_save"),
    path("r/<str:token>/opt-out/", public.opt_out_view, name="opt_out"),
]
