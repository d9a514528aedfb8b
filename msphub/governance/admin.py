"""Retention rules, set by the safeguarding lead for their own council (and by a system administrator
for any council).

As in accounts/admin.py, a lead's reach is their own council: they see and choose only its rules,
and give a rule to no other council. Leads need the governance model permissions, which a system
administrator grants; without them the admin refuses the pages (403). What was disposed of under the
rules is not here: ``manage.py retention`` prints it, and the Disposal table keeps references only.
"""

from django.contrib import admin
from django.http import HttpRequest

from msphub.accounts.models import Organisation, User

from .models import RetentionRule


def _lead_council(request: HttpRequest) -> int | None:
    """The council a (non-superuser) admin user manages: a safeguarding lead's own; None otherwise."""
    user = request.user
    return user.organisation_id if isinstance(user, User) and user.is_lead else None


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ["record_type", "years", "action", "council"]
    list_filter = ["record_type", "action"]
    fields = ["council", "record_type", "years", "action"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("council")
        if request.user.is_superuser:
            return qs
        return qs.filter(council_id=_lead_council(request) or -1)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "council" and not request.user.is_superuser:
            council_id = _lead_council(request) or -1
            kwargs["queryset"] = Organisation.objects.filter(pk=council_id, kind=Organisation.Kind.COUNCIL)
            kwargs["initial"] = council_id
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
