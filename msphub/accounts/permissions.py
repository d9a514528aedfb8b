"""Who may open each kind of page that is not one record (../shared/domain/access.md).

Views require these with ``core.access.requires`` (or ``record(..., permission=...)``); the
navigation and the home page ask the same objects through ``accounts.context_processors.can``, so
a link is shown exactly when its page opens. Which *records* a user sees is decided by each model's
``QuerySet.for_user``, not here.
"""

from typing import Any

from msphub.core.access import Permission

# Any signed-in user (the home page, raising a concern as a known person).
SIGNED_IN = Permission("signed in", lambda user: True)

# --- Casework ------------------------------------------------------------------------------------
# Council practitioners, team managers and the safeguarding lead: the front door, people, follow-ups.
CASEWORK = Permission("casework", lambda user: user.does_casework)
# Caseloads: council casework staff, and partner enquiry officers for the enquiries their agency makes.
CASELOAD = Permission("caseload", lambda user: user.does_casework or user.is_partner_enquiry_officer)
# Whose caseload opens on "my enquiries": practitioners and team managers. The safeguarding lead and
# partner enquiry officers open on every enquiry they see.
OWN_CASELOAD_FIRST = Permission("own caseload first", lambda user: user.does_casework and not user.is_lead)
# Changing who leads an enquiry, and the partner making it.
ALLOCATE = Permission("allocate", lambda user: user.is_manager or user.is_lead)
# The worktray and notifications: council casework staff and partner enquiry officers.
# Partner staff (a referrer hears when a concern they raised moves on; an agency's staff when its plan
# actions fall overdue) and independent feedback interviewers (enquiries assigned to them) too.
WORKTRAY = Permission(
    "worktray", lambda user: user.does_casework or user.is_partner_user or user.is_feedback_interviewer
)
# The header's search box (a reference, or a person by name, date of birth or NHS number).
FIND = Permission("find", lambda user: user.does_casework)
# The council's letter templates: the safeguarding lead.
LETTER_TEMPLATES = Permission("letter templates", lambda user: user.is_lead)
# Decisions awaiting a team manager's sign-off.
SIGN_OFF_QUEUE = Permission("sign-off queue", lambda user: user.is_manager)
# The status list of concerns raised: partner referrers (their agency's) and council staff.
CONCERNS_RAISED = Permission("concerns raised", lambda user: user.is_partner_referrer or user.does_casework)
# Restricting a person's record, and reading who has viewed a record.
SAFEGUARDING_LEAD = Permission("safeguarding lead", lambda user: user.is_lead)
# Configuration in the Django admin: the safeguarding lead (their council) and system administrators.
CONFIGURATION = Permission("configuration", lambda user: user.is_lead or user.is_superuser)

# --- Measurement ---------------------------------------------------------------------------------
# A council's figures: its casework staff and its Board viewers.
MEASURES = Permission("measures", lambda user: user.aggregates_council is not None)
# The SAC return's downloads and the council's benchmark file.
COUNCIL_RETURNS = Permission("council returns", lambda user: user.is_lead)


def _benchmark_scope(user: Any) -> bool:
    if user.is_regional_lead:
        return True
    council = user.aggregates_council
    return council is not None and bool(council.ons_code)


# Benchmarking: a council's own staff and Board viewers, and regional and national leads.
BENCHMARKS = Permission("benchmarks", _benchmark_scope)
# Importing benchmark files: regional and national leads.
BENCHMARK_IMPORT = Permission("benchmark import", lambda user: user.is_regional_lead)

# --- Board assurance ----------------------------------------------------------------------------
# Setting up case file audit rounds, drawing samples, assigning auditors, reading every audit.
AUDIT_ROUNDS = Permission("audit rounds", lambda user: user.is_lead)
# "My audits": the audits assigned to a user (case file auditors, and council staff who audit).
MY_AUDITS = Permission("my audits", lambda user: user.is_case_file_auditor or user.does_casework)
# Desired outcomes not achieved, with their notes (and the CSV): team managers and the lead.
OUTCOMES_NOT_ACHIEVED = Permission("outcomes not achieved", lambda user: user.is_manager or user.is_lead)
# The register of Safeguarding Adults Reviews: the lead (with personal details) and Board viewers
# (without); only the lead changes it.
SAR_REGISTER = Permission(
    "safeguarding adults reviews",
    lambda user: user.is_lead or (user.is_board_viewer and user.aggregates_council is not None),
)
SAR_MANAGE = Permission("safeguarding adults reviews manage", lambda user: user.is_lead)
# The Board's annual report pack: it shows the register's reviews, findings and recommendations, so
# it is for the register's people, the lead and Board viewers of a council (docs/annual-report.md,
# "Who sees what"); the lead writes the Board's own sections.
ANNUAL_REPORT = Permission("annual report", SAR_REGISTER.test)
ANNUAL_REPORT_EDIT = Permission("annual report edit", lambda user: user.is_lead)

# --- Working with partners ---------------------------------------------------------------------
# A partner agency's own figures (aggregate): its partner lead.
PARTNER_FIGURES = Permission("partner figures", lambda user: user.is_partner_lead)
# The council's figures by partner agency (raising and making enquiries): council staff and Board viewers.
PARTNER_BREAKDOWN = Permission("partner breakdown", lambda user: user.aggregates_council is not None)
# The actions a partner agency owns on shared safeguarding plans: that agency's staff.
PARTNER_ACTIONS = Permission("partner actions", lambda user: user.on_shared_plans)
# API tokens for partner systems: created and revoked by the lead.
API_TOKENS = Permission("api tokens", lambda user: user.is_lead)
# Assigning closed enquiries to independent feedback interviewers: the lead.
FEEDBACK_ASSIGN = Permission("feedback assign", lambda user: user.is_lead)
# "People to contact": an independent feedback interviewer's assignments.
FEEDBACK_INTERVIEWS = Permission("feedback interviews", lambda user: user.is_feedback_interviewer)
# Whole-service (organisational) enquiries about a provider, and the provider pages: council casework
# staff (the lead and managers open them; practitioners work the ones they lead).
PROVIDERS = Permission("providers", lambda user: user.does_casework)

# --- Temperature check ---------------------------------------------------------------------------
TEMPCHECK = Permission("temperature check", lambda user: user.is_regional_lead or user.is_interviewer)
# Setting rounds up and importing responses: regional and national leads.
TEMPCHECK_MANAGE = Permission("temperature check rounds", lambda user: user.is_regional_lead)

# Every permission above by its name in lower case, for templates: ``{% if can.caseload %}``.
ALL: dict[str, Permission] = {
    name.lower(): value for name, value in list(globals().items()) if isinstance(value, Permission)
}
