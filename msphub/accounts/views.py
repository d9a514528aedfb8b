from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from msphub.concerns.models import Concern
from msphub.core.access import visible
from msphub.core.forms import _govuk_messages


class GovukAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        for field in self.fields.values():
            _govuk_messages(field)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = GovukAuthenticationForm
    redirect_authenticated_user = True


def financial_year_start(today) -> timezone.datetime:
    year = today.year if today.month >= 4 else today.year - 1
    return timezone.make_aware(timezone.datetime(year, 4, 1))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {}
    if user.does_casework:
        council = Concern.objects.filter(council_id=user.organisation_id)
        open_concerns = visible(request, Concern.objects.open())
        context["counts"] = open_concerns.aggregate(
            unallocated=Count("pk", filter=Q(team__isnull=True)),
            mine=Count("pk", filter=Q(assigned_to=user)),
            team=Count("pk", filter=Q(team_id=user.team_id)) if user.team_id else Count("pk"),
            awaiting_sign_off=Count(
                "pk", filter=Q(status=Concern.Status.AWAITING_SIGN_OFF, team_id=user.team_id)
            ),
        )
        context["overdue"] = visible(request, council.first_contact_overdue()).count()
    elif user.is_board_viewer and user.organisation_id:
        start = financial_year_start(timezone.localdate())
        year = Concern.objects.filter(council_id=user.organisation_id, received_at__gte=start)
        figures = year.aggregate(
            received=Count("pk"),
            s42=Count("pk", filter=Q(decision__outcome="s42", decision__signed_off_at__isnull=False)),
            other=Count("pk", filter=Q(decision__outcome="other", decision__signed_off_at__isnull=False)),
        )
        figures["within_24h"] = year.first_contact_within_target().count()
        figures["conversion"] = (
            round(100 * figures["s42"] / figures["received"], 1) if figures["received"] else None
        )
        figures["within_24h_pct"] = (
            round(100 * figures["within_24h"] / figures["received"], 1) if figures["received"] else None
        )
        context["figures"] = figures
        context["year_start"] = start
    return render(request, "accounts/home.html", context)
