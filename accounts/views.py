from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import reverse_lazy

from . import services
from .access import authenticated, public


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login_view = public(LoginView.as_view())
logout_view = authenticated(auth_views.LogoutView.as_view())


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_change_record(actor=self.request.user, user=form.user)
        return response


password_change_view = authenticated(PasswordChangeView.as_view())
password_change_done_view = authenticated(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
