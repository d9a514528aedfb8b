"""Coding open answers, codebooks and good practice (coding_views.py)."""

from django.urls import path

from . import coding_views

urlpatterns = [
    path("good-practice/", coding_views.good_practice, name="good_practice"),
    path("rounds/<slug:slug>/coding/<str:qid>/", coding_views.coding, name="coding"),
]
