"""Rounds: set-up, imports, the round page, its details, naming and notes, and conversations (views.py).

The fixed paths come before ``rounds/<slug>/``; the set-up forms refuse these words as short names
(forms.RESERVED_SLUGS), so no round is hidden behind one."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/import/", views.round_import, name="round_import"),
    path("rounds/import-baseline/", views.baseline_import, name="baseline_import"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/details/", views.round_edit, name="round_edit"),
    path("rounds/<slug:slug>/named/", views.round_named, name="round_named"),
    path("rounds/<slug:slug>/notes/", views.round_notes, name="round_notes"),
    path("rounds/<slug:slug>/conversations/<str:respondent_id>/", views.conversation, name="conversation"),
]
