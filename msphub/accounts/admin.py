"""Configuration by the safeguarding lead: organisations, teams and users of their own council.

Casework records are deliberately not in the admin: every record goes through the permission
chokepoint and the access log in the casework pages.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q

from .models import Organisation, Team, User


def _council_scope(request) -> Q | None:
    """None for a superuser; otherwise the lead's council and its partner agencies."""
    if request.user.is_superuser:
        return None
    council = request.user.organisation_id if request.user.is_lead else -1
    return Q(pk=council) | Q(councils=council)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ons_code", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "ons_code"]
    filter_horizontal = ["councils"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = _council_scope(request)
        return qs if scope is None else qs.filter(scope).distinct()


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation")
        if request.user.is_superuser:
            return qs
        return qs.filter(organisation_id=request.user.organisation_id if request.user.is_lead else -1)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(pk=request.user.organisation_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
        scope = _council_scope(request)
        if scope is None:
            return qs
        council = request.user.organisation_id
        # Superuser accounts are out of a lead's reach, or a password reset would hand them its powers.
        return (
            qs.filter(Q(organisation_id=council) | Q(organisation__councils=council))
            .exclude(is_superuser=True)
            .distinct()
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            council = request.user.organisation_id
            if db_field.name == "organisation":
                kwargs["queryset"] = Organisation.objects.filter(
                    Q(pk=council) | Q(councils=council)
                ).distinct()
            if db_field.name == "team":
                kwargs["queryset"] = Team.objects.filter(organisation_id=council)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.site_header = "msphub configuration"
admin.site.site_title = "msphub configuration"
