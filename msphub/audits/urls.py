"""Case file audits: "My audits", the lead's rounds, each audit (by uuid) and learning actions."""

from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("", views.my_audits, name="my_audits"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/draw/", views.draw, name="draw"),
    path("rounds/<slug:slug>/moderation/", views.moderation, name="moderation"),
    path("rounds/<slug:slug>/close/", views.close, name="close"),
    path("rounds/<slug:slug>/audits/<uuid:uuid>/assign/", views.assign, name="assign"),
    path("learning-actions/<uuid:uuid>/done/", views.learning_action_done, name="learning_action_done"),
    path("<uuid:uuid>/", views.audit_detail, name="audit"),
    path("<uuid:uuid>/complete/", views.complete, name="complete"),
    path("<uuid:uuid>/reflections/", views.reflections, name="reflections"),
    path("<uuid:uuid>/learning-actions/", views.learning_action_new, name="learning_action_new"),
]
