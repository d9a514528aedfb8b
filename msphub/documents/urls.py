"""Documents (issue 13): full paths, as this app is included with an empty prefix before people/,
concerns/ and enquiries/ (msphub/urls.py). Documents are named by uuid, records by uuid or reference."""

from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("people/<uuid:uuid>/documents/upload/", views.upload_for_person, name="upload_person"),
    path("concerns/<str:reference>/documents/upload/", views.upload_for_concern, name="upload_concern"),
    path("enquiries/<str:reference>/documents/upload/", views.upload_for_enquiry, name="upload_enquiry"),
    path("documents/<uuid:uuid>/", views.detail, name="detail"),
    path("documents/<uuid:uuid>/download/", views.download_file, name="download"),
    path("documents/<uuid:uuid>/entered-in-error/", views.entered_in_error, name="entered_in_error"),
]
