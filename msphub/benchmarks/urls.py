from django.urls import path

from . import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.comparison_page, name="index"),
    path("comparison.csv", views.comparison_csv, name="comparison_csv"),
    path("comparison.pdf", views.comparison_pdf, name="comparison_pdf"),
    path("our-benchmark-file.json", views.our_file, name="our_file"),
    path("import/", views.import_page, name="import"),
]
