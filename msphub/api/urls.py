from django.urls import path, re_path

from . import views

app_name = "api"

urlpatterns = [
    # For partner systems: token-authenticated, JSON in and out.
    path("v1/concerns/", views.raise_concern, name="concerns"),
    path("v1/concerns/<str:reference>/", views.concern_status, name="concern_status"),
    # Public: what the API is, and no data.
    path("v1/schema/", views.schema, name="schema"),
    path("v1/docs/", views.api_docs, name="docs"),
    # Anything else under v1/ is answered in JSON, not with the HTML page a person would get.
    re_path(r"^v1/(?P<rest>.*)$", views.not_found, name="not_found"),
    # The safeguarding lead's pages.
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_new, name="token_new"),
    path("tokens/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
]
