"""Exact category lists from the national Safeguarding Adults Collection (SAC) and the MSP notes.

Labels are used letter for letter in returns and exports (../shared/domain/data.md). The stored
value is the label itself, so a figure can be traced back to what was recorded without a lookup.
"""

from django.db import models


def _choices(*labels: str) -> list[tuple[str, str]]:
    return [(label, label) for label in labels]


def labels(choices: list[tuple[str, str]]) -> list[str]:
    """The labels of a category list, in order (the order of the national template)."""
    return [label for label, _ in choices]


GENDER = _choices("Male", "Female", "Not Known")

ETHNICITY = _choices(
    "White",
    "Mixed / Multiple",
    "Asian / Asian British",
    "Black / African / Caribbean / Black British",
    "Other Ethnic Group",
    "Refused",
    "Undeclared / Not Known",
)

PRIMARY_SUPPORT_REASON = _choices(
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
    "No Support Reason",
    "Not Known",
)

RISK_TYPE = _choices(
    "Physical Abuse",
    "Sexual Abuse",
    "Psychological Abuse",
    "Financial or Material Abuse",
    "Discriminatory Abuse",
    "Organisational Abuse",
    "Neglect and Acts of Omission",
    "Domestic Abuse",
    "Sexual Exploitation",
    "Modern Slavery",
    "Self-Neglect",
)

LOCATION_OF_RISK = _choices(
    "Own Home",
    "In the Community",
    "Community Service",
    "Care Home - Nursing",
    "Care Home - Residential",
    "Hospital - Acute",
    "Hospital - Mental Health",
    "Hospital - Community",
    "Other",
)

SOURCE_OF_RISK = _choices(
    "Service Provider",
    "Other - Known to individual",
    "Other - Unknown to individual",
)

SOURCE_OF_RISK_HINTS = {
    "Service Provider": "Anyone paid, contracted or commissioned to provide social care",
    "Other - Known to individual": "Including council, NHS and GP staff, family, friends, neighbours",
    "Other - Unknown to individual": "A stranger",
}


class Pathway(models.TextChoices):
    """What happens to a concern that does not become an enquiry."""

    INFORMATION_ADVICE = "information_advice", "Information and advice given"
    SIGNPOSTED = "signposted", "Signposted to community or voluntary support"
    CARE_NEEDS = "care_needs", "Care needs assessment or review"
    REFERRED = "referred", "Referred to another agency"
    PROVIDER_MANAGED = "provider_managed", "Managed by the provider with council oversight"
    NO_FURTHER_ACTION = "nfa", "No further action"


class ReferredAgency(models.TextChoices):
    POLICE = "police", "Police"
    NHS = "nhs", "NHS"
    HOUSING = "housing", "Housing"
    CQC = "cqc", "CQC"
    OTHER = "other", "Other"


def age_band(age: int | None) -> str:
    """SAC age band for an age on the date the concern was received."""
    if age is None:
        return "Age unknown"
    if age < 65:
        return "18-64"
    if age < 75:
        return "65-74"
    if age < 85:
        return "75-84"
    if age < 95:
        return "85-94"
    return "95+"


# --- Enquiries and closure (SAC tables SG2c, SG2e, SG3a, SG4a) ------------------------------

RISK_ASSESSMENT_OUTCOME = _choices(
    "Risk identified and action taken",
    "Risk identified and no action taken",
    "Risk Assessment inconclusive and action taken",
    "Risk Assessment inconclusive and no action taken",
    "No risk identified and action taken",
    "No risk identified and no action taken",
    "Enquiry ceased at individual's request and no action taken",
)

RISK_OUTCOME = _choices("Risk remained", "Risk reduced", "Risk removed")

MENTAL_CAPACITY = _choices(
    "Yes, they lacked capacity",
    "No, they did not lack capacity",
    "Don't know",
    "Not recorded",
)
LACKED_CAPACITY = "Yes, they lacked capacity"

MSP_ASKED = _choices(
    "Yes they were asked and outcomes were expressed",
    "Yes they were asked but no outcomes were expressed",
    "No",
    "Don't Know",
    "Not Recorded",
)
ASKED_AND_EXPRESSED = "Yes they were asked and outcomes were expressed"
ASKED_NONE_EXPRESSED = "Yes they were asked but no outcomes were expressed"

ACHIEVEMENT = _choices("Fully Achieved", "Partially Achieved", "Not Achieved")

DESIRED_OUTCOME_CATEGORY = _choices(
    "Be and feel safer",
    "Stop the abuse or neglect",
    "Keep or repair key relationships",
    "Gain or keep control over the situation",
    "Know it will not happen to anyone else",
    "Justice (an apology, prosecution, disciplinary or other action)",
    "Be involved in decisions",
    "Be able to protect myself in future",
    "Exercise choice (for example where I live)",
    "Know where to get help",
    "Be less isolated",
    "Help to recover",
    "Other",
)

FEEDBACK_ANSWER = _choices("Definitely", "To some extent", "Not at all", "Don't know", "Prefer not to say")


def overall_achievement(achievements: list[str]) -> str | None:
    """SG4a: all fully achieved gives Fully; none achieved at all gives Not; anything else Partially."""
    if not achievements:
        return None
    if all(a == "Fully Achieved" for a in achievements):
        return "Fully Achieved"
    if all(a == "Not Achieved" for a in achievements):
        return "Not Achieved"
    return "Partially Achieved"
