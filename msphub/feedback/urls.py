from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    # The safeguarding lead: assigning closed enquiries to independent interviewers.
    path("assignments/", views.assignments, name="assignments"),
    path("assign/<str:reference>/", views.assign, name="assign"),
    path("assignments/<uuid:uuid>/withdraw/", views.withdraw, name="withdraw"),
    # The independent feedback interviewer: people to contact.
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/<uuid:uuid>/", views.interview, name="interview"),
    path("interviews/<uuid:uuid>/no-feedback/", views.no_feedback, name="no_feedback"),
    # The person or their representative, online, without an account (public).
    path("online/", views.online_start, name="online_start"),
    path("online/code/", views.online_code, name="online_code"),
    path("online/who/", views.online_who, name="online_who"),
    path("online/questions/", views.online_questions, name="online_questions"),
    path("online/done/", views.online_done, name="online_done"),
]
