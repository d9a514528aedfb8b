from django.urls import path

from . import views

app_name = "enquiries"
urlpatterns = [
    path("<str:reference>/", views.enquiry_detail, name="detail"),
]
