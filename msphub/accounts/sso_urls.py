"""Single sign-on's two pages (accounts/sso.py), included at /oidc/ only when it is turned on. The names
are mozilla-django-oidc's own (it reverses "oidc_authentication_callback"), so no namespace."""

from django.urls import path

from . import sso

urlpatterns = [
    path("authenticate/", sso.SignInView.as_view(), name="oidc_authentication_init"),
    path("callback/", sso.CallbackView.as_view(), name=sso.CALLBACK_URL_NAME),
]
