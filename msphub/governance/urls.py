"""Information governance: the access log for the safeguarding lead, subject access and retention."""

from . import access_log_views, subject_access_views

app_name = "governance"

urlpatterns = [
    *access_log_views.urlpatterns,
    *subject_access_views.urlpatterns,
]
