from django.urls import include, path

app_name = "tempcheck"
# Each part's pages in its own module (one writer each); every name is in the tempcheck namespace.
urlpatterns = [
    path("", include("msphub.tempcheck.urls_rounds")),
    path("", include("msphub.tempcheck.urls_report")),
    path("", include("msphub.tempcheck.urls_coding")),
]
