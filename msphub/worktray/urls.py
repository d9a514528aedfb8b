"""The worktray's pages, and allocating a concern (under concerns/, so included before that app)."""

from django.urls import path

from . import views

app_name = "worktray"

urlpatterns = [
    path("worktray/", views.index, name="index"),
    path("worktray/read-all/", views.read_all, name="read_all"),
    path("worktray/preferences/", views.preferences, name="preferences"),
    path("worktray/<uuid:uuid>/read/", views.read, name="read"),
    # The concern URL converter of msphub/concerns/urls.py (REF).
    path("concerns/<str:reference>/allocate/", views.allocate, name="allocate_concern"),
]
