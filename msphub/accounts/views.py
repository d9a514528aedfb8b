from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from msphub.concerns.models import Concern
from msphub.core.access import requires, visible
from msphub.core.forms import _govuk_messages
from msphub.core.middleware import note_activity
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import Enquiry
from msphub.measures import measures
from msphub.worktray.services import unread_count

from .permissions import CASEWORK, SIGNED_IN, WORKTRAY
from .requests import AuthenticatedRequest
from .two_factor import local_path


class GovukAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        for field in self.fields.values():
            _govuk_messages(field)


# Per address (django-ratelimit): 30 sign-in attempts in 15 minutes, whoever they are for. Per account,
# django-axes locks after AXES_FAILURE_LIMIT wrong passwords (settings.py).
@method_decorator(ratelimit(key="ip", rate="30/15m", method="POST", block=True), name="post")
@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = GovukAuthenticationForm
    redirect_authenticated_user = True


class GovukPasswordResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        _govuk_messages(self.fields["email"])


class GovukSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
        for field in self.fields.values():
            _govuk_messages(field)


# The same answer whether or not the address has an account (Django's), and limited per address so the
# form cannot be used to send a flood of emails.
@method_decorator(ratelimit(key="ip", rate="10/h", method="POST", block=True), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = GovukPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = GovukSetPasswordForm
    template_name = "registration/password_reset_confirm.html"


@require_GET
@requires(SIGNED_IN)
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each user's starting points. Casework staff see their open work, each number counted with the
    very filter of the list it links to (the front-door queue's and the caseload's ``show``), so
    that the list shows the number; a Board viewer sees the year's headline figures, read from the
    measures exactly as the dashboard counts them."""
    user = request.user
    context: dict[str, Any] = {}
    if WORKTRAY.allows(user):
        context["unread"] = unread_count(user)
    if CASEWORK.allows(user):
        open_concerns = visible(request, Concern.objects.open())
        context["counts"] = open_concerns.aggregate(
            # concerns:queue ?show=unallocated, ?show=mine and ?show=sign_off
            unallocated=Count("pk", filter=Q(team__isnull=True)),
            mine=Count("pk", filter=Q(assigned_to=user)),
            awaiting_sign_off=Count("pk", filter=Q(status=Concern.Status.AWAITING_SIGN_OFF)),
        )
        # concerns:queue ?show=overdue: open concerns whose adult is not spoken to within 24 hours.
        context["overdue"] = visible(request, Concern.objects.open().first_contact_overdue()).count()
        context["enquiry_counts"] = _enquiry_counts(request)
    elif (council := user.aggregates_council) is not None:  # a Board viewer
        period = FinancialYear.so_far()
        context["figures"] = measures.headline(measures.Filters(period, council))
        context["period"] = period
    return render(request, "accounts/home.html", context)


def _enquiry_counts(request: AuthenticatedRequest) -> dict[str, int]:
    """The caseload's lists (enquiries:caseload ?show=...), counted with the caseload's filters."""
    today = timezone.localdate()
    enquiries = Enquiry.objects.all()
    return {
        "mine": visible(request, enquiries.open().filter(lead_practitioner=request.user)).count(),
        "review_overdue": visible(request, enquiries.review_overdue(today)).count(),
        "actions_overdue": visible(
            request, enquiries.with_overdue_actions(today).open().filter(has_overdue_action=True)
        ).count(),
        "sign_off": visible(request, enquiries.filter(status=Enquiry.Status.CLOSURE_REQUESTED)).count(),
    }


@require_POST
@requires(SIGNED_IN)
def keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    """ "Stay signed in" on the timeout warning: the session starts its idle count again. The warning
    posts here from the page (204); without JavaScript the form posts and comes back to the page."""
    note_activity(request.session)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return redirect(local_path(request.POST.get("next")) or reverse("home"))
