from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("figures/", views.figures, name="figures"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
]
