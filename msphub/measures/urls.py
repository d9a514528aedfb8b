from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
    path("outcomes-not-achieved/", views.outcomes_not_achieved, name="outcomes_not_achieved"),
    path("outcomes-not-achieved.csv", views.outcomes_not_achieved_csv, name="outcomes_not_achieved_csv"),
    path("partners/", views.partners, name="partners"),
    path("partners.csv", views.partners_csv, name="partners_csv"),
    path("sac/", views.sac, name="sac"),
    path("sac/sign-off/", views.sac_sign_off, name="sac_sign_off"),
    path("sac/return.<str:file_format>", views.sac_download, name="sac_download"),
]
