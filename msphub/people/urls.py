from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("new/", views.person_new, name="new"),
    # The header's search box: a reference, or a person by name, date of birth or NHS number.
    path("search/", views.find, name="find"),
    path("emergency-access/", views.emergency_access_list, name="emergency_access_list"),
    path("<uuid:uuid>/", views.person_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.person_edit, name="edit"),
    path("<uuid:uuid>/representatives/new/", views.representative_new, name="representative_new"),
    path("<uuid:uuid>/history/", views.person_history, name="history"),
    path("<uuid:uuid>/restriction/", views.person_restriction, name="restriction"),
    path("<uuid:uuid>/emergency-access/", views.emergency_access, name="emergency_access"),
    path("<uuid:uuid>/merge/", views.person_merge, name="merge"),
    path("<uuid:uuid>/merge/<uuid:duplicate>/", views.person_merge_confirm, name="merge_confirm"),
]
