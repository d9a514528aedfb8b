"""Configuration by the safeguarding lead: organisations, teams and users of their own council.

Casework records are deliberately not in the admin: every record goes through the permission
chokepoint and the access log in the casework pages.

What a lead manages is decided by ownership, not by link (docs/security.md): their council, and the
partner agencies that work with their council alone (Organisation.objects.managed_by_council). An
agency shared by several councils, networks and their people are a system administrator's. A lead
cannot grant network roles, nor change an organisation's kind, area code, region, national flag or
councils, which decide whose records and figures its users see.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import NETWORK_ROLES, Organisation, Role, Team, User

# What only a system administrator sets on an organisation.
SCOPE_FIELDS = ("kind", "ons_code", "region", "national", "councils")
PARTNER_KINDS = [
    (value, label)
    for value, label in Organisation.Kind.choices
    if value not in (Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK)
]


def _lead_council(request: HttpRequest) -> int | None:
    """The council a (non-superuser) admin user manages: a safeguarding lead's own; None otherwise."""
    user = request.user
    return user.organisation_id if isinstance(user, User) and user.is_lead else None


def _managed(request: HttpRequest) -> QuerySet[Organisation]:
    return Organisation.objects.managed_by_council(_lead_council(request))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ons_code", "region", "national"]
    list_filter = ["kind", "region", "national"]
    search_fields = ["name", "ons_code"]
    filter_horizontal = ["councils"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=_managed(request).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # A lead adding a partner chooses its kind among the partner kinds; nothing else of its scope.
        return [f for f in SCOPE_FIELDS if obj is not None or f != "kind"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind" and not request.user.is_superuser:
            kwargs["choices"] = PARTNER_KINDS
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        council_id = _lead_council(request)
        if not request.user.is_superuser and not change and council_id is not None:
            # A partner a lead adds works with their council, in its region.
            council = Organisation.objects.get(pk=council_id)
            obj.region = council.region
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        council_id = _lead_council(request)
        if not request.user.is_superuser and not change and council_id is not None:
            form.instance.councils.set([council_id])


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation")
        if request.user.is_superuser:
            return qs
        return qs.filter(organisation_id=_lead_council(request) or -1)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(pk=_lead_council(request) or -1)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _grantable_roles(request: HttpRequest) -> list[tuple[str, str]]:
    choices = [("", "---------"), *Role.choices]
    if request.user.is_superuser:
        return choices
    return [(value, label) for value, label in choices if value not in NETWORK_ROLES]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "organisation",
        "team",
        "role",
        "is_active",
    ]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Organisation and role",
            {"fields": ("organisation", "team", "role", "job_title", "phone")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Organisation and role", {"fields": ("organisation", "team", "role")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation", "team")
        if request.user.is_superuser:
            return qs
        # Other admin accounts are out of a lead's reach (a password reset would hand over their
        # powers), and so is everyone outside the organisations the lead manages.
        return qs.filter(organisation__in=_managed(request).values("pk")).exclude(
            Q(is_superuser=True) | (Q(is_staff=True) & ~Q(pk=request.user.pk))
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # A lead manages people and roles, not superuser powers or Django permissions.
        return [
            "is_superuser",
            "is_staff",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        ]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = _grantable_roles(request)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "organisation":
                kwargs["queryset"] = _managed(request)
            if db_field.name == "team":
                kwargs["queryset"] = Team.objects.filter(organisation_id=_lead_council(request) or -1)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.site_header = "msphub configuration"
admin.site.site_title = "msphub configuration"


# Second-factor devices (django-otp). Its own admin shows a device's secret as a QR code: whoever saw it
# could make the user's codes. Here a system administrator only lists devices and deletes one (a lost
# phone: the user sets up again at their next sign-in); nobody adds, changes or reads a secret.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


@admin.register(TOTPDevice, StaticDevice)
class SecondFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
