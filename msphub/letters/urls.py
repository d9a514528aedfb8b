"""Letters (issue 13). Included with an empty prefix before the concerns and enquiries apps, so the
paths are written in full; references as in concerns/urls.py and enquiries/urls.py."""

from django.urls import path

from . import views

app_name = "letters"
REF = "<str:reference>"
urlpatterns = [
    path("letters/templates/", views.templates, name="templates"),
    path("letters/templates/<slug:kind>/", views.template_edit, name="template_edit"),
    path("letters/<uuid:uuid>.pdf", views.letter_pdf, name="pdf"),
    path(f"enquiries/{REF}/letters/", views.enquiry_letters, name="enquiry"),
    path(f"concerns/{REF}/letters/", views.concern_letters, name="concern"),
]
