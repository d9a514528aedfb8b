"""The worktray: a user's notifications and the work that is theirs now; their email preference;
and a team manager allocating a concern. Who may open each page is declared on it; the rules and
every write are in ``services``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msphub.accounts.permissions import ALLOCATE, SIGN_OFF_QUEUE, WORKTRAY
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, record, requires, visible
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry, PlanAction

from . import services
from .emails import record_path
from .forms import AllocateForm, PreferenceForm
from .models import Notification

# The unread notifications the worktray lists; the page says how many more there are.
NOTIFICATIONS_SHOWN = 50


@require_GET
@requires(WORKTRAY)
def index(request: AuthenticatedRequest) -> HttpResponse:
    """Unread notifications (with a returned decision's or closure's comment, read now from the
    record) and the live lists. A fixed number of queries, whatever the number of items."""
    user = request.user
    now = timezone.now()
    unread = visible(request, Notification.objects.unread())
    notifications = list(unread[:NOTIFICATIONS_SHOWN])
    total = unread.count()
    comments = services.returned_comments(user, notifications)
    rows = [
        {
            "notification": n,
            "comment": comments.get(n.record_uuid, "") if n.kind in services.RETURNED else "",
            "path": record_path(n),
        }
        for n in notifications
    ]
    sections = services.sections(
        visible(request, Concern.objects.all()),
        visible(request, Enquiry.objects.all()),
        user,
        now,
        agency_actions=visible(request, PlanAction.objects.all(), "agency"),
    )
    if SIGN_OFF_QUEUE.allows(user):
        sections += services.sign_offs_waiting(
            visible(request, Concern.objects.all(), "sign_off"),
            visible(request, Enquiry.objects.all(), "sign_off"),
            user,
        )
    return render(
        request,
        "worktray/index.html",
        {
            "rows": rows,
            "unread": total,
            "more_unread": total - len(rows),
            "sections": sections,
            "now": now,
            "today": timezone.localdate(now),
        },
    )


@require_POST
@record(Notification.objects.all(), Action.VIEW, url_kwarg="uuid", log=False)
def read(request: AuthenticatedRequest, notification: Notification) -> HttpResponse:
    """Open a notification: marked read (by POST, never on a GET), then on to its record's page."""
    services.mark_read(notification)
    if request.POST.get("then") == "worktray":
        return redirect("worktray:index")
    return redirect(record_path(notification))


@require_POST
@requires(WORKTRAY)
def read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read")
    return redirect("worktray:index")


@require_http_methods(["GET", "POST"])
@requires(WORKTRAY)
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferenceForm(posted(request), initial={"email": services.email_preference(request.user)})
    if request.method == "POST" and form.is_valid():
        services.set_email_preference(request.user, form.cleaned_data["email"])
        messages.success(request, "Your email preference is saved")
        return redirect("worktray:index")
    return render(request, "worktray/preferences.html", {"form": form})


# As concerns.views.CONCERNS: the lookup joins the council and the person; the rest by primary key.
CONCERNS = Concern.objects.select_related("council", "person").prefetch_related("team", "assigned_to")


def _undecided(concern: Concern) -> bool:
    return not concern.is_decided


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.MANAGE, permission=ALLOCATE, where=_undecided)
def allocate(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """A team manager allocates or reassigns one of their team's concerns (or one not picked up) to
    someone in the team; the safeguarding lead to anyone in the council."""
    candidates = services.allocation_candidates(concern, request.user)
    form = AllocateForm(posted(request), candidates=candidates, initial={"assignee": concern.assigned_to_id})
    if request.method == "POST" and form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.allocate_concern(concern, request.user, assignee)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("concerns:detail", reference=concern.reference)
        except ValidationError as error:
            # "Select someone in your team" (the team changed since the page was drawn), or decided.
            field = "assignee" if hasattr(error, "error_dict") else None
            for message in error.messages:
                form.add_error(field, message)
        else:
            messages.success(request, f"{concern.reference} is allocated to {assignee}")
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "worktray/allocate.html", {"concern": concern, "form": form})
