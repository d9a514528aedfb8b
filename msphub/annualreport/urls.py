from django.urls import path

from . import views

app_name = "annualreport"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:year>/", views.pack, name="pack"),
    path("<int:year>/pdf/", views.pack_pdf, name="pack_pdf"),
    path("<int:year>/agree/", views.agree, name="agree"),
    path("<int:year>/sections/<slug:key>/", views.section_edit, name="section_edit"),
    path("<int:year>/sections/<slug:key>/history/", views.section_history, name="section_history"),
]
