from django.urls import path

from . import views

urlpatterns = [
    path("", views.start, name="start"),
    path("health/", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
]
