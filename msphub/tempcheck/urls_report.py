"""The report and its downloads (report_views.py)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("rounds/<slug:slug>/report/", report_views.round_report, name="report"),
]
