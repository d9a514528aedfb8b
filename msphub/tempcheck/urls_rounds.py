"""Rounds: set-up, import, the round page and conversations (views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/import/", views.round_import, name="round_import"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/conversations/<str:respondent_id>/", views.conversation, name="conversation"),
]
