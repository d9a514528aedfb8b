from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("msphub.core.urls")),
    path("accounts/", include("msphub.accounts.urls")),
    path("account/two-factor/", include("msphub.accounts.two_factor_urls")),
    path("people/", include("msphub.people.urls")),
    path("concerns/", include("msphub.concerns.urls")),
    path("enquiries/", include("msphub.enquiries.urls")),
    path("measures/", include("msphub.measures.urls")),
    path("tempcheck/", include("msphub.tempcheck.urls")),
    path("benchmarks/", include("msphub.benchmarks.urls")),
    path("governance/", include("msphub.governance.urls")),
    path("admin/", admin.site.urls),
]
