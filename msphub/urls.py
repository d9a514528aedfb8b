from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("msphub.core.urls")),
    path("accounts/", include("msphub.accounts.urls")),
    path("account/two-factor/", include("msphub.accounts.two_factor_urls")),
    # The case file, documents, letters and the worktray hang their pages under people/, concerns/
    # and enquiries/ too (full paths in their own urls.py), so they come before those apps' routes.
    path("", include("msphub.casefile.urls")),
    path("", include("msphub.documents.urls")),
    path("", include("msphub.letters.urls")),
    path("", include("msphub.worktray.urls")),
    path("people/", include("msphub.people.urls")),
    path("concerns/", include("msphub.concerns.urls")),
    path("enquiries/", include("msphub.enquiries.urls")),
    path("measures/", include("msphub.measures.urls")),
    path("audits/", include("msphub.audits.urls")),
    path("safeguarding-adults-reviews/", include("msphub.sars.urls")),
    path("annual-report/", include("msphub.annualreport.urls")),
    path("tempcheck/", include("msphub.tempcheck.urls")),
    path("benchmarks/", include("msphub.benchmarks.urls")),
    path("governance/", include("msphub.governance.urls")),
    path("partners/", include("msphub.partners.urls")),
    path("providers/", include("msphub.providers.urls")),
    path("feedback/", include("msphub.feedback.urls")),
    path("api/", include("msphub.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.OIDC_RP_CLIENT_ID:
    # Single sign-on through the council's identity provider (accounts/sso.py): /oidc/authenticate/
    # and /oidc/callback/.
    urlpatterns.append(path("oidc/", include("msphub.accounts.sso_urls")))
