"""API tokens: a logged-in user issues one for a script or integration, and revokes it.

A token is shown once, when it is issued; only its digest is stored. Issuing needs the web session
(with its CSRF check and login lockout): a token cannot mint another, so a stolen token dies at its
expiry. A password change cuts all of the user's tokens (accounts.models.User.save).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.settings import knox_settings
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from core.api.authentication import TokenAuthentication

from . import services
from .access import authenticated

_issued = inline_serializer(
    "IssuedToken", {"token": serializers.CharField(), "expiry": serializers.DateTimeField(allow_null=True)}
)


class TokenCreateView(knox_views.LoginView):
    authentication_classes = [SessionAuthentication]

    @extend_schema(request=None, responses={200: _issued}, summary="Issue an API token (shown once)")
    def post(self, request, format=None):
        request.user.auth_token_set.filter(expiry__lt=timezone.now()).delete()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and request.user.auth_token_set.count() >= limit:
            return Response(
                {
                    "message": _("At most %(limit)d API tokens per user: revoke one first.") % {"limit": limit},
                    "extra": {},
                },
                status=403,
            )
        with transaction.atomic():
            instance, token = self.create_token()
            services.api_token_record(actor=request.user, issued=True, expiry=instance.expiry)
        return self.get_post_response(request, token, instance)


class TokenRevokeView(knox_views.LogoutView):
    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token of this request")
    def post(self, request, format=None):
        with transaction.atomic():
            response = super().post(request, format)
            services.api_token_record(actor=request.user, issued=False)
        return response


class TokenRevokeAllView(knox_views.LogoutAllView):
    authentication_classes = [SessionAuthentication, TokenAuthentication]

    @extend_schema(request=None, responses={204: None}, summary="Revoke all of the user's API tokens")
    def post(self, request, format=None):
        with transaction.atomic():
            count = request.user.auth_token_set.count()
            response = super().post(request, format)
            services.api_token_record(actor=request.user, issued=False, count=count)
        return response


token_create_view = authenticated(TokenCreateView.as_view())
token_revoke_view = authenticated(TokenRevokeView.as_view())
token_revoke_all_view = authenticated(TokenRevokeAllView.as_view())
