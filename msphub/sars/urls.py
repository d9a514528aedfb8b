from django.urls import path

from . import views

app_name = "sars"

urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.new_review, name="new"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/decision/", views.decision, name="decision"),
    path("<str:reference>/progress/", views.progress, name="progress"),
    path("<str:reference>/findings/", views.findings, name="findings"),
    path("<str:reference>/adults/new/", views.adult, name="adult_new"),
    path("<str:reference>/adults/<uuid:adult>/", views.adult, name="adult"),
    path("<str:reference>/adults/<uuid:adult>/person/", views.link_person, name="link_person"),
    path("<str:reference>/recommendations/new/", views.recommendation, name="recommendation_new"),
    path(
        "<str:reference>/recommendations/<uuid:recommendation>/", views.recommendation, name="recommendation"
    ),
]
