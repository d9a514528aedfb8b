"""The second factor's pages (accounts/two_factor.py), under their own namespace: "two_factor:verify"."""

from django.urls import path

from . import two_factor

app_name = "two_factor"

urlpatterns = [
    path("set-up/", two_factor.set_up, name="set_up"),
    path("recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("verify/", two_factor.verify, name="verify"),
]
