from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from msphub.concerns.models import Concern
from msphub.core.access import requires, visible
from msphub.core.forms import _govuk_messages
from msphub.core.periods import FinancialYear
from msphub.measures import measures

from .permissions import CASEWORK, SIGNED_IN
from .requests import AuthenticatedRequest


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


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = GovukAuthenticationForm
    redirect_authenticated_user = True


@require_GET
@requires(SIGNED_IN)
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each user's starting points. Casework staff see their open work, counted through the concern
    querysets (what they may see); a Board viewer sees the year's headline figures, read from the
    measures exactly as the dashboard counts them."""
    user = request.user
    context: dict[str, Any] = {}
    if CASEWORK.allows(user):
        open_concerns = visible(request, Concern.objects.open())
        context["counts"] = open_concerns.aggregate(
            unallocated=Count("pk", filter=Q(team__isnull=True)),
            mine=Count("pk", filter=Q(assigned_to=user)),
            team=Count("pk", filter=Q(team_id=user.team_id)) if user.team_id else Count("pk"),
            awaiting_sign_off=Count(
                "pk", filter=Q(status=Concern.Status.AWAITING_SIGN_OFF, team_id=user.team_id)
            ),
        )
        context["overdue"] = visible(request, Concern.objects.first_contact_overdue()).count()
    elif (council := user.aggregates_council) is not None:  # a Board viewer
        period = FinancialYear.so_far()
        context["figures"] = measures.headline(measures.Filters(period, council))
        context["period"] = period
    return render(request, "accounts/home.html", context)
