from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.provider, name="provider"),
    path("enquiries/new/", views.enquiry_new, name="enquiry_new"),
    path("enquiries/<str:reference>/", views.enquiry, name="enquiry"),
    path("enquiries/<str:reference>/change/", views.enquiry_change, name="enquiry_change"),
    path("enquiries/<str:reference>/close/", views.enquiry_close, name="enquiry_close"),
    path("enquiries/<str:reference>/link/", views.enquiry_link, name="enquiry_link"),
    path("enquiries/<str:reference>/links/<uuid:link>/unlink/", views.enquiry_unlink, name="enquiry_unlink"),
    path("enquiries/<str:reference>/actions/new/", views.action_new, name="action_new"),
    path("enquiries/<str:reference>/actions/<uuid:action>/", views.action, name="action"),
    path("service-concerns/new/", views.service_concern_new, name="service_concern_new"),
    path("service-concerns/<str:reference>/", views.service_concern, name="service_concern"),
    path("service-concerns/<str:reference>/link/", views.service_concern_link, name="service_concern_link"),
    path(
        "service-concerns/<str:reference>/close/", views.service_concern_close, name="service_concern_close"
    ),
]
