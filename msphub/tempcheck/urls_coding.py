"""Coding open answers, codebooks, the double-coded sample, agreement, reconciliation, quotes and
good practice (coding_views.py)."""

from django.urls import path

from . import coding_views

CODING = "rounds/<slug:slug>/coding/<str:qid>/"

urlpatterns = [
    path("good-practice/", coding_views.good_practice, name="good_practice"),
    path(CODING, coding_views.coding, name="coding"),
    path(CODING + "codebook/", coding_views.codebook, name="codebook"),
    path(CODING + "codebook/new/", coding_views.theme_new, name="theme_new"),
    path(CODING + "codebook/<int:theme_id>/", coding_views.theme, name="theme"),
    path(CODING + "sample/", coding_views.coding_sample, name="coding_sample"),
    path(CODING + "agreement/", coding_views.coding_agreement, name="coding_agreement"),
    path(CODING + "reconcile/", coding_views.coding_reconcile, name="coding_reconcile"),
    path(CODING + "quotes/", coding_views.coding_quotes, name="coding_quotes"),
]
