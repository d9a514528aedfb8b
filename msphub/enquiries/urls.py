from django.urls import path

from . import views

app_name = "enquiries"
REF = "<str:reference>"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("feedback-due/", views.feedback_due, name="feedback_due"),
    path("quotes/", views.quotes, name="quotes"),
    path("quotes/<uuid:feedback_uuid>/", views.quote_moderate, name="quote_moderate"),
    # The shared safeguarding plan: a partner agency's own actions (before the references).
    path("partner-actions/", views.partner_actions, name="partner_actions"),
    path("partner-actions/<uuid:action_uuid>/", views.partner_action, name="partner_action"),
    path(f"{REF}/", views.enquiry_detail, name="detail"),
    path(f"{REF}/details/", views.enquiry_details, name="details"),
    path(f"{REF}/outcomes/new/", views.outcome_new, name="outcome_new"),
    path(f"{REF}/outcomes/none/", views.no_outcomes, name="no_outcomes"),
    path(f"{REF}/outcomes/<uuid:outcome_uuid>/", views.outcome_edit, name="outcome_edit"),
    path(f"{REF}/outcomes/<uuid:outcome_uuid>/withdraw/", views.outcome_withdraw, name="outcome_withdraw"),
    path(f"{REF}/reviews/new/", views.review_new, name="review_new"),
    path(f"{REF}/taking-part/", views.participation, name="participation"),
    path(f"{REF}/risk/", views.risk, name="risk"),
    path(f"{REF}/advocacy/<uuid:referral_uuid>/", views.advocacy_started, name="advocacy_edit"),
    path(
        f"{REF}/advocacy/<uuid:referral_uuid>/not-going-ahead/",
        views.advocacy_not_going_ahead,
        name="advocacy_not_going_ahead",
    ),
    path(f"{REF}/actions/<uuid:action_uuid>/done/", views.action_done, name="action_done"),
    path(f"{REF}/actions/<uuid:action_uuid>/resolve/", views.action_resolve, name="action_resolve"),
    path(f"{REF}/alleged/new/", views.alleged_new, name="alleged_new"),
    path(f"{REF}/alleged/<uuid:alleged_uuid>/", views.alleged_edit, name="alleged_edit"),
    path(f"{REF}/responses/", views.responses, name="responses"),
    path(f"{REF}/close/", views.close, name="close"),
    path(f"{REF}/close/sign-off/", views.close_sign_off, name="close_sign_off"),
    path(f"{REF}/feedback/new/", views.feedback_new, name="feedback_new"),
    path(f"{REF}/feedback/easy-read.pdf", views.feedback_easy_read, name="feedback_easy_read"),
    path(f"{REF}/history/", views.history, name="history"),
    path(f"{REF}/<slug:part>/new/", views.record_new, name="record_new"),
]
