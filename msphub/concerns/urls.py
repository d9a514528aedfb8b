from django.urls import path

from . import views

app_name = "concerns"
REF = "<str:reference>"
urlpatterns = [
    path("raise/", views.raise_start, name="raise"),
    path("raise/immediate-danger/call-999/", views.raise_danger, name="raise_danger"),
    path("raise/check-answers/", views.raise_check, name="raise_check"),
    path("raise/confirmation/", views.raise_done, name="raise_done"),
    path("raise/<slug:slug>/", views.raise_step, name="raise_step"),
    path("raised/", views.raised, name="raised"),
    path(f"raised/{REF}/", views.raised_detail, name="raised_detail"),
    path(f"raised/{REF}/add-information/", views.add_information, name="add_information"),
    # The public status page (no account): before the concern's own pages, which a reference names.
    path("status/", views.public_status, name="public_status"),
    path("status/code/", views.public_status_code, name="public_status_code"),
    path("status/your-concern/", views.public_status_shown, name="public_status_shown"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<uuid:uuid>/", views.transfer_decision, name="transfer_decision"),
    path("", views.queue, name="queue"),
    path(f"{REF}/", views.concern_detail, name="detail"),
    path(f"{REF}/pick-up/", views.pick_up, name="pick_up"),
    path(f"{REF}/person/", views.link_person, name="link_person"),
    path(f"{REF}/person/new/", views.new_person, name="new_person"),
    path(f"{REF}/first-contact/", views.first_contact, name="first_contact"),
    path(f"{REF}/information/", views.add_note, name="add_note"),
    path(f"{REF}/safety-action/", views.safety_action, name="safety_action"),
    path(f"{REF}/decision/", views.decision, name="decision"),
    path(f"{REF}/sign-off/", views.sign_off, name="sign_off"),
    path(f"{REF}/history/", views.history, name="history"),
    path(f"{REF}/referrer-outcome/", views.referrer_outcome, name="referrer_outcome"),
    path(f"{REF}/contact-attempt/", views.contact_attempt, name="contact_attempt"),
    path(
        f"{REF}/first-contact/<uuid:contact>/entered-in-error/",
        views.contact_in_error,
        name="contact_in_error",
    ),
    path(f"{REF}/set-aside/", views.set_aside, name="set_aside"),
    path(f"{REF}/other-area/", views.other_area, name="other_area"),
    path(f"{REF}/transfer/", views.transfer, name="transfer"),
]
