from django.urls import path

from . import views

app_name = "tempcheck"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("good-practice/", views.good_practice, name="good_practice"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/import/", views.round_import, name="round_import"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/report/", views.round_report, name="report"),
    path("rounds/<slug:slug>/coding/<str:qid>/", views.coding, name="coding"),
    path("rounds/<slug:slug>/conversations/<str:respondent_id>/", views.conversation, name="conversation"),
]
