"""The chronology, the case file and case notes: full paths, since they sit under a person's."""

from django.urls import path

from . import views

app_name = "casefile"

urlpatterns = [
    path("people/<uuid:uuid>/chronology/", views.chronology, name="chronology"),
    path("people/<uuid:uuid>/chronology/case-file.pdf", views.case_file_pdf, name="case_file_pdf"),
    path("people/<uuid:uuid>/case-notes/new/", views.note_new, name="note_new"),
    path(
        "people/<uuid:uuid>/case-notes/<uuid:note>/entered-in-error/",
        views.note_in_error,
        name="note_in_error",
    ),
]
