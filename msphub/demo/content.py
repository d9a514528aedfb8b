"""Fixed content for the demo data: organisations, users, names and the words people use.

Everything here is invented. Phone numbers come from Ofcom's ranges reserved for drama (01632 960xxx,
07700 900xxx), NHS numbers from the 999 range that is never issued to patients, postcode areas (RV,
HL) do not exist and email addresses use example domains, so nothing can reach a real person.
"""

from dataclasses import dataclass, field
from typing import Any

PASSWORD = "msphub-demo-2026"  # noqa: S105 - published demo password, only ever set on demo users

RIVERSIDE = {"name": "Riverside Council", "ons_code": "E06000901", "region": "North West"}
HILLSIDE = {"name": "Hillside Council", "ons_code": "E06000902", "region": "North West"}
COUNCILS = [RIVERSIDE, HILLSIDE]

FRONT_DOOR = "Front Door (MASH)"
LOCALITY = "Locality Team East"
HILLSIDE_TEAM = "Adult Safeguarding Team"

# Partner agencies that work with Riverside; the care providers are also what concerns are about.
PARTNERS = [
    ("Riverside Police", "police"),
    ("Riverside NHS Foundation Trust", "nhs_trust"),
    ("Riverside Integrated Care Board", "icb"),
    ("Sunrise Home Care Ltd", "care_provider"),
    ("Riverside Housing Association", "housing"),
    ("Meadowview Care Home", "care_provider"),
    ("Oakwood Nursing Home", "care_provider"),
    ("Willow Court Care Home", "care_provider"),
    ("Brookside Day Centre", "care_provider"),
    ("Riverside Advocacy Hub", "advocacy"),
]
PARTNER_NAMES = [name for name, _ in PARTNERS]

# Where each provider's care happens, so location of risk matches the provider named.
PROVIDER_LOCATION = {
    "Sunrise Home Care Ltd": "Own Home",
    "Meadowview Care Home": "Care Home - Residential",
    "Willow Court Care Home": "Care Home - Residential",
    "Oakwood Nursing Home": "Care Home - Nursing",
    "Brookside Day Centre": "Community Service",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str | None
    team: str | None = None
    job_title: str = ""
    is_staff: bool = False
    is_superuser: bool = False


USERS = [
    DemoUser(
        "practitioner", "Priya", "Sharma", "practitioner", "Riverside Council", FRONT_DOOR, "Social worker"
    ),
    DemoUser(
        "practitioner2",
        "Tom",
        "Whitfield",
        "practitioner",
        "Riverside Council",
        LOCALITY,
        "Senior social worker",
    ),
    DemoUser(
        "manager",
        "Janet",
        "O'Connor",
        "team_manager",
        "Riverside Council",
        FRONT_DOOR,
        "Team manager, Front Door",
    ),
    DemoUser(
        "manager2",
        "Marcus",
        "Reid",
        "team_manager",
        "Riverside Council",
        LOCALITY,
        "Team manager, Locality East",
    ),
    DemoUser(
        "lead",
        "Helen",
        "Baxter",
        "safeguarding_lead",
        "Riverside Council",
        None,
        "Principal social worker and safeguarding lead",
        is_staff=True,
    ),
    DemoUser(
        "partner",
        "Sam",
        "Holloway",
        "partner_referrer",
        "Riverside Police",
        None,
        "Detective constable, Public Protection Unit",
    ),
    DemoUser(
        "partner2",
        "Grace",
        "Adeyemi",
        "partner_referrer",
        "Riverside NHS Foundation Trust",
        None,
        "Named nurse for safeguarding adults",
    ),
    DemoUser(
        "board",
        "Richard",
        "Lane",
        "board_viewer",
        "Riverside Council",
        None,
        "Independent chair, Safeguarding Adults Board",
    ),
    DemoUser("hillside", "Aisha", "Khan", "practitioner", "Hillside Council", HILLSIDE_TEAM, "Social worker"),
    # Not in the original list of personas: Hillside needs a manager to sign its decisions off,
    # or none of its concerns could reach an enquiry or be closed.
    DemoUser(
        "hillside_manager",
        "David",
        "Morgan",
        "team_manager",
        "Hillside Council",
        HILLSIDE_TEAM,
        "Team manager",
    ),
    DemoUser(
        "admin", "Nadia", "Hussain", "", None, None, "System administrator", is_staff=True, is_superuser=True
    ),
    # Makes section 42 enquiries on Riverside's behalf (added with the enquiry record).
    DemoUser(
        "partner_eo",
        "Ruth",
        "Okafor",
        "partner_enquiry_officer",
        "Riverside NHS Foundation Trust",
        None,
        "Safeguarding adults enquiry officer",
    ),
    # Case file auditors (issue 14): they open only the records sampled for them. One is council
    # staff from the quality assurance team, the other sits on the Board's multi-agency audit panel.
    DemoUser(
        "auditor",
        "Fiona",
        "Gallagher",
        "case_file_auditor",
        "Riverside Council",
        None,
        "Quality assurance officer, adult social care",
    ),
    DemoUser(
        "police_auditor",
        "Daniel",
        "Osei",
        "case_file_auditor",
        "Riverside Police",
        None,
        "Detective sergeant, multi-agency case file audit panel",
    ),
]
USERNAMES = [u.username for u in USERS]

# The safeguarding lead administers organisations, teams and users through the Django admin.
LEAD_PERMISSIONS = [
    f"{action}_{model}" for model in ("organisation", "team", "user") for action in ("add", "change", "view")
]

# --- Names ------------------------------------------------------------------------------------------

# Name pools, each a string of names split on spaces.
NAMES = {
    "white_old_f": (
        "Margaret Joan Dorothy Patricia Barbara Jean Sheila Brenda Irene Doreen Maureen Elsie Edna "
        "Mavis Betty Eileen Audrey Pauline Kathleen Valerie Hilda Winifred Gladys June"
    ).split(),
    "white_old_m": (
        "John David Peter Brian Kenneth Derek Alan Raymond Ronald Arthur Stanley Frank Dennis "
        "Geoffrey Norman Leonard Bernard Keith Roy Harold"
    ).split(),
    "white_young_f": (
        "Emma Sarah Rebecca Claire Hannah Lisa Kirsty Nicola Laura Gemma Chloe Amy Stacey Joanne "
        "Agnieszka Katarzyna"
    ).split(),
    "white_young_m": (
        "Gary Paul Mark Daniel Liam Craig Steven Jamie Lee Ryan Darren Kyle Shaun Wayne Tomasz Piotr"
    ).split(),
    "white_family": (
        "Smith Jones Taylor Brown Wilson Evans Thomas Johnson Roberts Walker Wright Robinson "
        "Thompson Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Turner Hill Cooper "
        "Morris Ward Moore King Watson Baker Harrison Murphy Kelly O'Brien Fletcher Holt Barlow "
        "Ashworth Kershaw Pilling Nowak Kowalski Whittaker Duckworth Hargreaves Brennan McCarthy"
    ).split(),
    "asian_f": (
        "Parveen Nasreen Shabana Amrit Gurpreet Sunita Rukhsana Farzana Kulwinder Zainab Ayesha "
        "Hina Meena Jaswinder"
    ).split(),
    "asian_m": (
        "Mohammed Abdul Rajinder Harjit Imran Tariq Sanjay Anil Mushtaq Iqbal Arif Yusuf Kamal Jagdish"
    ).split(),
    "asian_family": (
        "Patel Khan Hussain Ahmed Singh Akhtar Iqbal Shah Sharma Mistry Ali Rahman Chowdhury "
        "Mahmood Sandhu Parmar"
    ).split(),
    "black_f": (
        "Grace Mercy Gloria Beverley Yvonne Marcia Blessing Abena Hyacinth Precious Comfort Pearl"
    ).split(),
    "black_m": (
        "Winston Delroy Clive Emmanuel Kwame Samuel Tunde Desmond Leroy Joseph Godfrey Everton"
    ).split(),
    "black_family": (
        "Campbell Williams Okafor Mensah Adeyemi Asante Francis Richards Bailey Okonkwo Boateng "
        "Reid Grant Forbes"
    ).split(),
    "other_f": "Mei Ling Fatima Leila Maria Elena Nadia Shirin Ana".split(),
    "other_m": "Wei Ahmad Omar Carlos Dimitri Hassan Reza Minh Andrei".split(),
    "other_family": (
        "Chen Wong Li Nguyen Hassan Karimi Mohammadi Rodriguez Popescu Ibrahim Yilmaz Tran"
    ).split(),
}

# Which name pools fit each SAC ethnicity ("Refused" and "not known" people still have names).
ETHNICITY_POOLS = {
    "White": ["white"],
    "Mixed / Multiple": ["white", "black", "asian"],
    "Asian / Asian British": ["asian"],
    "Black / African / Caribbean / Black British": ["black"],
    "Other Ethnic Group": ["other"],
    "Refused": ["white", "asian"],
    "Undeclared / Not Known": ["white", "black", "asian", "other"],
}

# Roughly the make-up of a northern English town's adults known to social care.
ETHNICITY_WEIGHTS = [
    ("White", 80),
    ("Asian / Asian British", 8),
    ("Black / African / Caribbean / Black British", 3),
    ("Mixed / Multiple", 2),
    ("Other Ethnic Group", 2),
    ("Refused", 1),
    ("Undeclared / Not Known", 4),
]

STREETS = [
    "Mill Lane",
    "Church Street",
    "Station Road",
    "Victoria Terrace",
    "Albert Road",
    "Park View",
    "Canal Side",
    "Weavers Close",
    "Brook Street",
    "Chapel Row",
    "Moor Lane",
    "Queens Drive",
    "Bridge Street",
    "Orchard Way",
    "Cotton Street",
    "Riverside Walk",
    "Hollins Road",
    "Ashfield Avenue",
    "Kingsway",
    "Blackthorn Court",
]
RIVERSIDE_TOWNS = ["Riverside", "Riverside", "Lowbridge", "Eastmoor", "Kingsford"]
HILLSIDE_TOWNS = ["Hillside", "Upper Fold", "Crag Bottom"]

# Postcode inward letters never use C, I, K, M, O or V.
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

NEEDS_BY_SUPPORT = {
    "Physical Support": [
        "Mobility problems after a stroke; uses a wheelchair",
        "Arthritis and falls; two care visits a day",
        "Parkinson's disease; needs help with washing and dressing",
        "COPD; housebound and on oxygen",
    ],
    "Sensory Support": [
        "Registered blind; lives alone",
        "Profoundly deaf; uses British Sign Language",
        "Sight and hearing loss",
    ],
    "Support with Memory and Cognition": [
        "Dementia; lives alone with four care visits a day",
        "Alzheimer's disease; {their} partner is the main carer",
        "Vascular dementia; in a care home",
        "Memory problems, not yet diagnosed",
    ],
    "Learning Disability Support": [
        "Learning disability; lives in supported accommodation",
        "Learning disability and autism; lives with {their} mum",
        "Mild learning disability; lives independently with a support worker",
    ],
    "Mental Health Support": [
        "Schizophrenia; supported by the community mental health team",
        "Bipolar disorder; recently discharged from hospital",
        "Depression and alcohol use",
        "Long-term anxiety; rarely leaves the flat",
    ],
    "Social Support": [
        "Isolated since {their} partner died; no regular services",
        "Carer for {their} son; struggling to cope",
        "Substance misuse; sofa surfing",
    ],
    "No Support Reason": [""],
    "Not Known": [""],
}

COMMUNICATION_NEEDS = [
    "Profoundly deaf; uses British Sign Language",
    "Speaks Punjabi; needs an interpreter",
    "Speaks Urdu; her son usually interprets but should not for this",
    "Easy read information, please",
    "Wears hearing aids; speak slowly and face him",
    "Speaks Polish; some English",
    "Uses a communication board after a stroke",
]

REPRESENTATIVE_KINDS = [
    ("family", "Daughter", 30),
    ("family", "Son", 20),
    ("family", "Wife", 6),
    ("family", "Husband", 6),
    ("family", "Niece", 6),
    ("friend", "Friend", 8),
    ("friend", "Neighbour", 6),
    ("carer", "Carer", 8),
    ("advocate", "IMCA", 6),
    ("advocate", "Care Act advocate", 4),
]

# --- The adult's own words -------------------------------------------------------------------------

WANTS = [
    "I want it to stop",
    "I want to stay in my own home",
    "I don't want any fuss",
    "I want to feel safe at night",
    "I just want things to go back to how they were",
    "I want someone to check on me",
    "I want to be left alone to get on with it",
    "I want to know it won't happen to anyone else",
    "I want to be listened to for once",
]
HOW = [
    "Talk to me at home, not on the phone",
    "Please speak to my daughter first",
    "In the mornings, I get tired later on",
    "With my support worker there",
    "Slowly, one step at a time",
    "I don't want lots of different people coming round",
    "Write it down so I can read it again",
    "Not while he is in the house",
    "Ring my mobile, not the landline",
]
OUTCOMES = [
    "To feel safe at home",
    "To keep my independence",
    "An apology",
    "To still see my family",
    "To sleep without worrying",
    "For it not to happen to anybody else",
    "To be able to go out again",
    "To have a say in what happens",
    "To know who to ring if it happens again",
]
# Why the raiser did not ask, and why they raised it without agreement ({name} etc. filled in).
NOT_ASKED = [
    "{name} was in hospital and too unwell to talk about it",
    "{name} could not understand the question on the day; {their} family know I am raising this",
    "I am a neighbour and have not spoken to {them} about it",
    "It was not safe to ask with other people in the room",
    "I only heard about it second-hand and have not seen {them} since",
    "{name} was asleep when I visited and I did not want to wake {them}",
]
CONSENT_NOT_GIVEN = [
    "{name} is frightened of what will happen if anyone finds out, but I think {they_are} at serious risk",
    "{name} says {they_are} fine, but I am worried {they_are} not safe",
    "{name} does not want any fuss, but other people may be at risk too",
    "{name} asked me not to tell anyone; I think this is getting worse",
]
NOT_SOUGHT_REASON_BY_RAISER = {"police": "crime", "bank": "crime", "provider": "others_at_risk"}

FIRST_CONTACT_NOTES = [
    "Visited with a colleague. {name} was pleased to have someone to talk to.",
    "{name} was tired and wanted to keep the conversation short; agreed to a visit next week.",
    "Talked through what a safeguarding enquiry is and what might happen next.",
    "{name} was upset but clear about what {they_want}.",
    "Explained {their} rights and gave the number of the advocacy hub.",
    "",
]

TRIAGE_NOTES = [
    "Checked with the GP surgery: {name} is known to them; no recent concerns recorded.",
    "Police check: no previous call-outs to the address.",
    "Checked the council's records: {name} has a care package of four calls a day.",
    "Spoke to {their} daughter, who has noticed the same and is worried.",
    "Checked with the community mental health team: {name} is open to them; care coordinator informed.",
    "Rang the district nursing team; they visit twice a week and will look out for this.",
    "Housing officer visited last month and had no concerns about the property.",
    "Asked the hospital discharge team for the discharge summary; received and on file.",
]
PROVIDER_NOTES = [
    "Spoke to the registered manager at {provider}; the carer has been taken off visits while this "
    "is looked into.",
    "CQC's latest report for {provider} says 'Requires improvement' for safety.",
    "{provider} has sent its own incident report and care records for the last fortnight.",
    "This is not the first concern about {provider} this year; told the quality team.",
]

RETURN_COMMENTS = [
    "Please record what {name} told you {they_want} before we decide.",
    "The rationale does not say why {name} cannot protect {themself}. Please add the detail.",
    "Have we checked with the police whether they are already investigating?",
]

RATIONALE = {
    "s42": [
        "{name} has care and support needs, there is reasonable cause to suspect {they_are} at risk of "
        "abuse or neglect, and because of those needs {they_cannot} protect {themself}. Section 42 "
        "enquiry needed.",
        "All three criteria are met. {name} has told us what {they_want}; the enquiry will be led with "
        "{them}.",
        "Criteria met. Risk is ongoing and others may be at risk too, so a section 42 enquiry is needed.",
    ],
    "other": [
        "Not all section 42 criteria are met, but an enquiry is proportionate given the level of risk.",
        "{name} does not have care and support needs, but is at risk and has asked for help.",
    ],
    "none": [
        "Risk has been dealt with and {name} is happy with the plan. No enquiry needed.",
        "The criteria are not met: {name} can protect {themself} and has chosen how to deal with this.",
        "Information gathered shows no ongoing risk; support is better offered another way.",
        "{name} has capacity to make this decision and does not want an enquiry; risk is low.",
    ],
}
OTHER_ENQUIRY_REASONS = [
    "Does not have care and support needs but is at risk of domestic abuse and wants help.",
    "Care and support needs are not confirmed, but the risk of financial abuse is high.",
    "Is able to protect themselves in most situations, but the risk from exploitation is rising.",
]
NFA_REASONS = [
    "Duplicate of a concern already being looked at under another reference.",
    "A disagreement between neighbours; no care and support needs and no risk identified.",
    "The adult has capacity, has dealt with it themselves and wants nothing further.",
]

# What happens to concerns that do not become enquiries (categories.Pathway values) and, for
# referrals, to whom (categories.ReferredAgency values).
PATHWAY_WEIGHTS = [
    ("information_advice", 22),
    ("signposted", 14),
    ("care_needs", 24),
    ("referred", 16),
    ("provider_managed", 12),
    ("nfa", 12),
]
REFERRED_AGENCY_WEIGHTS = [("police", 35), ("nhs", 25), ("housing", 20), ("cqc", 10), ("other", 10)]

# --- Scenarios: what concerns are about, with the figures in ../shared/domain/data.md in mind ---------


@dataclass(frozen=True)
class Scenario:
    key: str
    weight: int
    risk_types: tuple[str, ...]
    # A further risk type sometimes recorded alongside, with its chance.
    extra_risk: tuple[tuple[str, float], ...]
    locations: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    raisers: tuple[tuple[str, int], ...]
    texts: tuple[str, ...]
    wants: tuple[str, ...]
    ages: tuple[int, int]
    support: tuple[tuple[str, int], ...]
    female: float = 0.6
    providers: tuple[str, ...] = ()
    s42: float = 0.4
    other: float = 0.05
    # How likely the same adult is the subject of another concern ("revolving door").
    repeat: float = 1.0
    pathways: tuple[tuple[str, int], ...] = field(default=tuple(PATHWAY_WEIGHTS))


SCENARIOS = [
    Scenario(
        key="home_care_neglect",
        weight=7,
        risk_types=("Neglect and Acts of Omission",),
        extra_risk=(("Psychological Abuse", 0.1),),
        locations=(("Own Home", 1),),
        sources=(("Service Provider", 1),),
        raisers=(("nhs", 4), ("family", 4), ("provider", 2), ("self", 1)),
        texts=(
            (
                "Carers from {provider} missed three visits this week. {name} was found without food and "
                "in wet clothes by {their} neighbour."
            ),
            (
                "{name}'s medication has not been given for four days; the carers from {provider} said "
                "they were not told."
            ),
            (
                "The evening call from {provider} keeps coming at 5pm and {name} is put to bed then, "
                "which {they_do_not} want."
            ),
        ),
        wants=(
            "I want a different carer",
            "I want them to come when they say they will",
            "I want to stay in my own home",
        ),
        ages=(70, 98),
        support=(("Physical Support", 5), ("Support with Memory and Cognition", 4)),
        providers=("Sunrise Home Care Ltd",),
        s42=0.45,
        pathways=(("provider_managed", 40), ("care_needs", 30), ("information_advice", 15), ("nfa", 15)),
    ),
    Scenario(
        key="family_financial",
        weight=7,
        risk_types=("Financial or Material Abuse",),
        extra_risk=(("Psychological Abuse", 0.3),),
        locations=(("Own Home", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("family", 3), ("bank", 2), ("nhs", 1), ("police", 2), ("public", 1)),
        texts=(
            (
                "{their_cap} son has been taking money from {their} bank card; bills are unpaid and there"
                " is no food in the house."
            ),
            "A grandson has moved in and {name} has been asked to sign over the house.",
            "The bank has seen large cash withdrawals every week from {name}'s account by a relative.",
        ),
        wants=(
            "I don't want my son to get into trouble",
            "I just want my money back",
            "I want to keep seeing my grandson",
            "I want him to move out",
        ),
        ages=(65, 95),
        support=(("Support with Memory and Cognition", 4), ("Physical Support", 3), ("Social Support", 1)),
        s42=0.45,
    ),
    Scenario(
        key="self_neglect",
        weight=6,
        risk_types=("Self-Neglect",),
        extra_risk=(),
        locations=(("Own Home", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("housing", 3), ("nhs", 2), ("public", 2), ("police", 1)),
        texts=(
            "{name}'s flat is full of rubbish and there is no heating; {they_are} refusing help.",
            "Hoarding has blocked the stairs and the fire service are worried about the risk of fire.",
            "{name} has stopped eating properly and the gas has been cut off.",
        ),
        wants=(
            "I want to be left alone to get on with it",
            "I want help with the house but I'm not moving",
            "I don't want to go into a home",
        ),
        ages=(40, 90),
        support=(("Mental Health Support", 3), ("Physical Support", 2), ("Social Support", 2)),
        female=0.45,
        s42=0.2,
        other=0.2,
        repeat=3.0,
    ),
    Scenario(
        key="domestic",
        weight=6,
        risk_types=("Domestic Abuse",),
        extra_risk=(("Physical Abuse", 0.5), ("Psychological Abuse", 0.4)),
        locations=(("Own Home", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("police", 6), ("nhs", 2), ("family", 1)),
        texts=(
            (
                "Police attended after a neighbour heard shouting; {their} partner had pushed {name} "
                "against the wall."
            ),
            "{name} came to A&E with a broken wrist and said {their} husband grabbed {them}.",
            "{name}'s husband, who is also {their} carer, controls the money and stops visitors.",
        ),
        wants=(
            "I want it to stop",
            "I don't want him arrested, I want him to get help",
            "I want to feel safe at night",
            "I want to stay with him but not like this",
        ),
        ages=(30, 85),
        support=(("Physical Support", 3), ("Mental Health Support", 2), ("No Support Reason", 1)),
        female=0.8,
        s42=0.35,
        other=0.2,
        repeat=2.5,
    ),
    Scenario(
        key="carer_neglect",
        weight=4,
        risk_types=("Neglect and Acts of Omission",),
        extra_risk=(),
        locations=(("Own Home", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("nhs", 4), ("family", 1), ("provider", 1)),
        texts=(
            (
                "The district nurse found a grade 3 pressure sore; {their} daughter, who cares for "
                "{name}, is exhausted."
            ),
            (
                "{name} was found on the floor by the carer from the night before; {their} husband could "
                "not lift {them}."
            ),
        ),
        wants=("I don't want my daughter to get into trouble", "I want more help so she can have a rest"),
        ages=(75, 98),
        support=(("Physical Support", 4), ("Support with Memory and Cognition", 3)),
        s42=0.3,
        pathways=(("care_needs", 60), ("information_advice", 20), ("signposted", 20)),
    ),
    Scenario(
        key="care_home_neglect",
        weight=13,
        risk_types=("Neglect and Acts of Omission",),
        extra_risk=(("Organisational Abuse", 0.3),),
        locations=(),
        sources=(("Service Provider", 1),),
        raisers=(("nhs", 4), ("family", 3), ("provider", 2)),
        texts=(
            (
                "{name} was admitted to hospital from {provider} dehydrated and with an untreated "
                "pressure sore."
            ),
            (
                "On a visit to {provider}, {name} was found in soiled bedding at 2pm; no one had checked "
                "on {them} since breakfast."
            ),
            "{name} had a fall at {provider} that was not reported for two days.",
            (
                "Medication records at {provider} show {name} missed {their} Parkinson's medication three"
                " times."
            ),
        ),
        wants=(
            "I want the staff to be trained properly",
            "I want to move somewhere else",
            "I want my daughter to be told what happened",
        ),
        ages=(75, 100),
        support=(("Support with Memory and Cognition", 5), ("Physical Support", 4)),
        female=0.7,
        providers=("Meadowview Care Home", "Oakwood Nursing Home", "Willow Court Care Home"),
        s42=0.5,
        pathways=(("provider_managed", 60), ("referred", 20), ("information_advice", 20)),
    ),
    Scenario(
        key="care_home_physical",
        weight=7,
        risk_types=("Physical Abuse",),
        extra_risk=(("Psychological Abuse", 0.3),),
        locations=(),
        sources=(("Service Provider", 1),),
        raisers=(("provider", 4), ("family", 2), ("nhs", 1)),
        texts=(
            ("{name} told a nurse that a night carer at {provider} grabbed {their} arm; there is bruising."),
            (
                "A member of staff at {provider} reported a colleague shouting at {name} and pulling "
                "{them} up by the arms."
            ),
        ),
        wants=("I want them to say sorry", "I don't want that carer near me again", "I want it to stop"),
        ages=(70, 100),
        support=(("Support with Memory and Cognition", 5), ("Physical Support", 2)),
        female=0.65,
        providers=("Meadowview Care Home", "Oakwood Nursing Home", "Willow Court Care Home"),
        s42=0.55,
    ),
    Scenario(
        key="resident_on_resident",
        weight=3,
        risk_types=("Physical Abuse",),
        extra_risk=(),
        locations=(),
        sources=(("Other - Known to individual", 1),),
        raisers=(("provider", 1),),
        texts=("Another resident at {provider} hit {name} in the lounge; staff separated them.",),
        wants=("I want to feel safe in my room",),
        ages=(75, 100),
        support=(("Support with Memory and Cognition", 1),),
        providers=("Meadowview Care Home", "Oakwood Nursing Home", "Willow Court Care Home"),
        s42=0.3,
        pathways=(("provider_managed", 80), ("information_advice", 20)),
    ),
    Scenario(
        key="scam",
        weight=6,
        risk_types=("Financial or Material Abuse",),
        extra_risk=(),
        locations=(("In the Community", 2), ("Own Home", 1)),
        sources=(("Other - Unknown to individual", 1),),
        raisers=(("police", 3), ("family", 2), ("bank", 2)),
        texts=(
            "A doorstep trader charged {name} £4,000 for roof work that was never done.",
            "{name} has sent money to someone {they_have} met online and been told to keep it secret.",
            (
                "Scam phone calls every day; {name} gave {their} card details to a caller claiming to be "
                "the bank."
            ),
        ),
        wants=(
            "I just want my money back",
            "I feel so stupid, I don't want anyone to know",
            "I want the police to catch them",
        ),
        ages=(65, 95),
        support=(("Support with Memory and Cognition", 2), ("Social Support", 2), ("No Support Reason", 1)),
        s42=0.15,
        other=0.1,
        pathways=(("referred", 40), ("information_advice", 40), ("signposted", 20)),
    ),
    Scenario(
        key="hate_crime",
        weight=4,
        risk_types=("Discriminatory Abuse",),
        extra_risk=(("Psychological Abuse", 0.7),),
        locations=(("In the Community", 1),),
        sources=(("Other - Known to individual", 1), ("Other - Unknown to individual", 1)),
        raisers=(("police", 2), ("self", 1), ("housing", 1)),
        texts=(
            (
                "Young people on the estate shout abuse at {name} about {their} disability and have "
                "thrown eggs at {their} window."
            ),
        ),
        wants=("I want to be able to go to the shop without being called names", "I want it to stop"),
        ages=(20, 70),
        support=(("Learning Disability Support", 3), ("Physical Support", 1)),
        female=0.4,
        s42=0.25,
        other=0.2,
    ),
    Scenario(
        key="hospital_discharge",
        weight=6,
        risk_types=("Neglect and Acts of Omission",),
        extra_risk=(),
        locations=(("Hospital - Acute", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("family", 2), ("provider", 2), ("nhs", 1)),
        texts=(
            ("{name} was discharged from hospital at 11pm with no care package and no key to {their} house."),
            "{name} was sent home from the ward with a cannula still in {their} arm and no medication.",
        ),
        wants=("I want to know it won't happen to anyone else", "I want someone to say sorry"),
        ages=(70, 95),
        support=(("Physical Support", 3), ("Support with Memory and Cognition", 1)),
        s42=0.3,
        pathways=(("referred", 60), ("information_advice", 40)),
    ),
    Scenario(
        key="mental_health_ward",
        weight=3,
        risk_types=("Physical Abuse",),
        extra_risk=(("Psychological Abuse", 0.4),),
        locations=(("Hospital - Mental Health", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("nhs", 1),),
        texts=(
            "Another patient on the ward assaulted {name}; {they_are} frightened to leave {their} room.",
            "{name} says a member of staff restrained {them} roughly and laughed about it.",
        ),
        wants=("I want to go home", "I want to be moved to a different ward"),
        ages=(20, 70),
        support=(("Mental Health Support", 1),),
        female=0.45,
        s42=0.45,
    ),
    Scenario(
        key="community_hospital",
        weight=2,
        risk_types=("Neglect and Acts of Omission",),
        extra_risk=(),
        locations=(("Hospital - Community", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("family", 2), ("nhs", 1)),
        texts=(
            (
                "{name} developed a pressure sore during a stay on the rehabilitation ward that was not "
                "treated."
            ),
        ),
        wants=("I want to go home", "I want the nurses to listen to me"),
        ages=(75, 98),
        support=(("Physical Support", 1),),
        s42=0.35,
    ),
    Scenario(
        key="day_centre",
        weight=3,
        risk_types=("Psychological Abuse",),
        extra_risk=(("Neglect and Acts of Omission", 0.4),),
        locations=(),
        sources=(("Service Provider", 1),),
        raisers=(("family", 2), ("provider", 1)),
        texts=(
            "{name} came home from {provider} upset and said staff had called {them} names.",
            "{name} was left on the minibus from {provider} for an hour in the heat.",
        ),
        wants=("I still want to go to the day centre", "I want a different key worker"),
        ages=(20, 80),
        support=(("Learning Disability Support", 3), ("Support with Memory and Cognition", 1)),
        providers=("Brookside Day Centre",),
    ),
    Scenario(
        key="cuckooing",
        weight=3,
        risk_types=("Financial or Material Abuse",),
        extra_risk=(("Psychological Abuse", 0.6),),
        locations=(("Own Home", 1),),
        sources=(("Other - Known to individual", 1),),
        raisers=(("police", 3), ("housing", 2)),
        texts=(
            (
                "Local dealers are using {name}'s flat to sell drugs; {they_are} too scared to tell them "
                "to leave."
            ),
        ),
        wants=("I want my flat back", "I don't want anyone to know I told you"),
        ages=(20, 60),
        support=(("Learning Disability Support", 2), ("Mental Health Support", 2)),
        female=0.3,
        s42=0.5,
        other=0.2,
        repeat=2.0,
    ),
    Scenario(
        key="sexual_abuse",
        weight=2,
        risk_types=("Sexual Abuse",),
        extra_risk=(),
        locations=(("Own Home", 1), ("Care Home - Nursing", 1)),
        sources=(("Other - Known to individual", 1),),
        raisers=(("nhs", 1), ("police", 1)),
        texts=(
            (
                "{name} has told {their} support worker that a man who visits touched {them} when "
                "{they_do_not} want it."
            ),
        ),
        wants=("I want it to stop", "I want to talk to a woman"),
        ages=(18, 90),
        support=(("Learning Disability Support", 2), ("Support with Memory and Cognition", 1)),
        female=0.85,
        s42=0.8,
    ),
    Scenario(
        key="modern_slavery",
        weight=1,
        risk_types=("Modern Slavery",),
        extra_risk=(),
        locations=(("Other", 1),),
        sources=(("Other - Unknown to individual", 1),),
        raisers=(("police", 1),),
        texts=("{name} was found working at a car wash without pay and sleeping on the premises.",),
        wants=("I want to be safe and get paid", "I don't want to be sent away"),
        ages=(20, 50),
        support=(("No Support Reason", 1), ("Learning Disability Support", 1)),
        female=0.2,
        s42=0.6,
        other=0.3,
    ),
    Scenario(
        key="sexual_exploitation",
        weight=1,
        risk_types=("Sexual Exploitation",),
        extra_risk=(("Psychological Abuse", 0.5),),
        locations=(("In the Community", 1),),
        sources=(("Other - Unknown to individual", 1),),
        raisers=(("police", 1), ("family", 1)),
        texts=("{name} is meeting older men {they_have} met online, who give {them} alcohol and money.",),
        wants=("I want my mum to stop worrying", "I want them to stop messaging me"),
        ages=(18, 30),
        support=(("Learning Disability Support", 2), ("Mental Health Support", 1)),
        female=0.85,
        s42=0.7,
        other=0.2,
    ),
]

# Raisers without an account (partner users are chosen in the builder). Names are invented.
# Raisers by kind: (name, job, organisation; None for the care provider of the concern).
Raisers = dict[str, list[tuple[str, str, str | None]]]

PROFESSIONAL_RAISERS: Raisers = {
    "police": [
        ("PC Dan Whitworth", "Police constable", "Riverside Police"),
        ("PC Kerry Shaw", "Neighbourhood officer", "Riverside Police"),
    ],
    "nhs": [
        ("Lucy Bramwell", "District nurse", "Riverside NHS Foundation Trust"),
        ("Dr Omar Siddiqui", "GP", "Lowbridge Medical Practice"),
        ("Tracey Holden", "Ward sister", "Riverside NHS Foundation Trust"),
    ],
    "provider": [("Karen Whitehead", "Registered manager", None), ("Joe Platt", "Senior carer", None)],
    "housing": [("Michelle Dawson", "Housing officer", "Riverside Housing Association")],
    "bank": [("Ian Crossley", "Vulnerable customers team", "Northgate Bank")],
}
HILLSIDE_PROFESSIONAL_RAISERS: Raisers = {
    "police": [("PC Gareth Lloyd", "Police constable", "Hillside Police")],
    "nhs": [("Rachel Knowles", "Community nurse", "Hillside Community Health")],
    "provider": [("Sue Mellor", "Care manager", "Fellside Care")],
    "housing": [("Tony Bright", "Tenancy officer", "Hillside Homes")],
    "bank": [("Ian Crossley", "Vulnerable customers team", "Northgate Bank")],
}
# Hillside's own providers (not partner organisations in the demo), by location of care.
HILLSIDE_PROVIDERS = {
    "Own Home": "Fellside Care",
    "Care Home - Residential": "Heather Bank Care Home",
    "Care Home - Nursing": "Moorlands Nursing Home",
    "Community Service": "Crag Bottom Day Service",
}
PREFERRED_NAMES = {
    "Margaret": "Peggy",
    "Patricia": "Pat",
    "Kenneth": "Ken",
    "Dorothy": "Dot",
    "Raymond": "Ray",
    "Ronald": "Ron",
    "Elizabeth": "Liz",
    "Geoffrey": "Geoff",
    "Leonard": "Len",
    "Winifred": "Winnie",
    "Mohammed": "Mo",
    "Katarzyna": "Kasia",
}
FAMILY_RAISER_ROLES = {
    "f": ["Daughter", "Niece", "Sister", "Friend"],
    "m": ["Son", "Grandson", "Nephew", "Friend"],
}
PUBLIC_RAISER_ROLES = ["Neighbour", "Shop worker", "Member of the public", "Church volunteer"]


# --- The enquiry: desired outcomes, reviews, involvement, capacity, plan, closure, feedback ---------

# The partner making some of Riverside's enquiries on its behalf, and the scenarios it takes on.
MAKING_PARTNER = "Riverside NHS Foundation Trust"
MAKING_PARTNER_SCENARIOS = {"mental_health_ward", "community_hospital", "hospital_discharge", "sexual_abuse"}

SAFER = "Be and feel safer"
STOP = "Stop the abuse or neglect"
RELATIONSHIPS = "Keep or repair key relationships"
CONTROL = "Gain or keep control over the situation"
NOT_ANYONE_ELSE = "Know it will not happen to anyone else"
JUSTICE = "Justice (an apology, prosecution, disciplinary or other action)"
INVOLVED = "Be involved in decisions"
PROTECT = "Be able to protect myself in future"
CHOICE = "Exercise choice (for example where I live)"
HELP = "Know where to get help"
ISOLATED = "Be less isolated"
RECOVER = "Help to recover"

# What people say they want, in their own words: (category, words, words after a rewording or "").
OUTCOME_WORDS: dict[str, list[tuple[str, str, str]]] = {
    "home_care_neglect": [
        (
            STOP,
            "I want the carers to come when they say they will",
            "I want my carers to come at 8, 12 and 5",
        ),
        (CHOICE, "I want to stay in my own home", ""),
        (SAFER, "I don't want to be left sitting in wet clothes again", ""),
        (CONTROL, "I want to choose who comes into my house", "I want the same two carers, not strangers"),
    ],
    "family_financial": [
        (RELATIONSHIPS, "I don't want my son to get into trouble", ""),
        (STOP, "I just want my money back", "I want to be in charge of my own bank card again"),
        (RELATIONSHIPS, "I want to keep seeing my grandson", ""),
        (CONTROL, "I want him to move out", "I want him to move out by Christmas"),
        (PROTECT, "I want to know how to stop it happening again", ""),
    ],
    "self_neglect": [
        (CONTROL, "I want to be left alone to get on with it", "I want to decide what gets thrown away"),
        (CHOICE, "I'm not moving, this is my home", ""),
        (SAFER, "I want the heating back on", ""),
        (HELP, "I want someone I can ring when it gets on top of me", ""),
    ],
    "domestic": [
        (STOP, "I want it to stop", ""),
        (RELATIONSHIPS, "I don't want him arrested, I want him to get help", ""),
        (SAFER, "I want to feel safe at night", "I want new locks and a panic alarm"),
        (PROTECT, "I want to know what to do if it happens again", ""),
    ],
    "carer_neglect": [
        (RELATIONSHIPS, "I don't want my daughter to get into trouble", ""),
        (RECOVER, "I want my leg to heal so I can get out of bed", ""),
        (SAFER, "I want more help so she can have a rest", "I want a carer in the evenings so she can rest"),
    ],
    "care_home_neglect": [
        (SAFER, "I want someone to check on me at night", ""),
        (NOT_ANYONE_ELSE, "I want the staff to be trained properly", ""),
        (CHOICE, "I want to move somewhere else", "I want to look round Willow Court before I decide"),
        (INVOLVED, "I want my daughter to be told what happened", ""),
    ],
    "care_home_physical": [
        (JUSTICE, "I want them to say sorry", ""),
        (SAFER, "I don't want that carer near me again", ""),
        (STOP, "I want it to stop", ""),
    ],
    "resident_on_resident": [
        (SAFER, "I want to feel safe in my room", "I want a lock on my door that staff can open"),
        (CHOICE, "I want to stay here, it's my home now", ""),
    ],
    "scam": [
        (STOP, "I just want my money back", "I want the bank to try to get my money back"),
        (PROTECT, "I want to know how to spot them next time", ""),
        (CONTROL, "I don't want anyone to know, I feel so stupid", ""),
        (JUSTICE, "I want the police to catch them", ""),
    ],
    "hate_crime": [
        (STOP, "I want to go to the shop without being called names", ""),
        (JUSTICE, "I want the police to do something about them", ""),
        (ISOLATED, "I want to go back to my club on Thursdays", ""),
    ],
    "hospital_discharge": [
        (NOT_ANYONE_ELSE, "I want to know it won't happen to anyone else", ""),
        (JUSTICE, "I want someone to say sorry", "I want a letter from the hospital saying sorry"),
        (RECOVER, "I want to get back on my feet at home", ""),
    ],
    "mental_health_ward": [
        (CHOICE, "I want to go home", "I want to go home with the crisis team visiting"),
        (SAFER, "I want to be moved to a different ward", ""),
        (INVOLVED, "I want to be in my ward round when they decide things", ""),
    ],
    "community_hospital": [
        (CHOICE, "I want to go home", ""),
        (INVOLVED, "I want the nurses to listen to me", ""),
        (RECOVER, "I want my sore looked after properly", ""),
    ],
    "day_centre": [
        (CHOICE, "I still want to go to the day centre", ""),
        (SAFER, "I want a different key worker", ""),
        (NOT_ANYONE_ELSE, "I want them to be nice to everyone", ""),
    ],
    "cuckooing": [
        (CONTROL, "I want my flat back", "I want my flat back and my own key"),
        (SAFER, "I don't want anyone to know I told you", ""),
        (ISOLATED, "I want some proper friends", ""),
    ],
    "sexual_abuse": [
        (STOP, "I want it to stop", ""),
        (INVOLVED, "I want to talk to a woman", ""),
        (SAFER, "I don't want him coming to the house", ""),
    ],
    "modern_slavery": [
        (SAFER, "I want to be safe and get paid", ""),
        (CHOICE, "I don't want to be sent away", ""),
        (HELP, "I want someone who speaks my language", ""),
    ],
    "sexual_exploitation": [
        (RELATIONSHIPS, "I want my mum to stop worrying", ""),
        (STOP, "I want them to stop messaging me", ""),
        (PROTECT, "I want to know who is safe to meet", ""),
    ],
}
GENERIC_OUTCOME_WORDS = [
    (HELP, "I want to know who to ring if it happens again", ""),
    (ISOLATED, "I want to get out of the house more", "I want to go to the lunch club on Tuesdays"),
    (INVOLVED, "I want to be told what is going on", ""),
    (SAFER, "I want to sleep without worrying", ""),
    (CONTROL, "I want to have a say in what happens", ""),
]
# When a representative speaks for the person (they lack capacity to say for themselves).
REPRESENTATIVE_OUTCOME_WORDS = [
    (SAFER, "We want {name} to be safe and for someone to check on {them} at night", ""),
    (CHOICE, "{name} has always said {they_want} to stay in {their} own home", ""),
    (STOP, "I want whoever did this to be kept away from {name}", ""),
    (RELATIONSHIPS, "{name} would still want to see the family; we don't want that to stop", ""),
    (INVOLVED, "I want to be told what is happening, so I can explain it to {name}", ""),
    (NOT_ANYONE_ELSE, "We want to know it won't happen to anyone else there", ""),
    (RECOVER, "We want {name} to get {their} strength back", ""),
]
# Outcomes that cannot be met as said: (scenario, category, words, negotiated outcome, reason, note).
NEGOTIATIONS = [
    (
        "domestic",
        STOP,
        "I don't want the police involved, I just want it to stop",
        "The police already know and will decide about charges; {name} will be kept informed and "
        "chooses whether to give a statement",
        "others_safety",
        "Grandchildren stay at the house at weekends.",
    ),
    (
        "family_financial",
        RELATIONSHIPS,
        "I don't want anyone to tell the police about my son",
        "The bank has stopped the cards; the police have been told but will not act without {name}'s "
        "statement unless it happens again",
        "law",
        "Theft from an adult at risk is a crime the bank must report.",
    ),
    (
        "care_home_physical",
        JUSTICE,
        "I want that carer sacked",
        "The home is following its disciplinary process and has referred the carer to the DBS; "
        "{name} will be told the outcome",
        "law",
        "Employment law and the provider's own process decide what happens to the carer.",
    ),
    (
        "self_neglect",
        CONTROL,
        "I want everyone to leave me alone",
        "The fire service will fit smoke alarms and clear the stairs; {name} decides about the rest of "
        "the flat",
        "others_safety",
        "Neighbours in the block are at risk if there is a fire.",
    ),
    (
        "cuckooing",
        SAFER,
        "I don't want the police coming to the flat",
        "The police will act on what they see themselves, without naming {name}",
        "public_interest",
        "Drugs are being sold to other people from the flat.",
    ),
    (
        "care_home_neglect",
        NOT_ANYONE_ELSE,
        "I want the home closed down",
        "The council's quality team and CQC are checking the home; the council cannot close it",
        "law",
        "Only CQC can close a registered care home.",
    ),
    (
        "mental_health_ward",
        CHOICE,
        "I want to go home today",
        "{name} stays in hospital for now; a move to another ward has been agreed",
        "law",
        "{name} is detained under the Mental Health Act.",
    ),
]
WITHDRAWN_REASONS = [
    "{name} says this is sorted now and {they_do_not} want it on the plan.",
    "{name} changed {their} mind at the review.",
    "Replaced by a clearer outcome agreed with {name}.",
    "{name} no longer wants this; things have settled down at home.",
]
REWORD_NOTES = [
    "Reworded with {name} at the review.",
    "{name} put it more exactly when we met again.",
]

# Reviews
REVIEW_PARTICIPANTS = [
    "{name}, {lead}",
    "{name}, {lead}, {provider_manager}",
    "{name}, {rep}, {lead}",
    "{rep} (for {name}), {lead}, GP",
    "{name}, {lead}, police officer in charge",
]
PERSONS_VIEWS = [
    "I feel a lot better now. I'm sleeping again.",
    "It's better than it was, but I still worry when the doorbell goes.",
    "Nobody has told me anything since last time.",
    "I'm glad somebody listened to me.",
    "I just want it all to be over now.",
    "The new carer is lovely. She has time for a chat.",
    "I know who to ring now, that makes a difference.",
    "I'm still cross about it, but I'm not frightened any more.",
    "I didn't want all this fuss, but I'm glad you came.",
    "Things are slowly getting back to normal.",
]
REPRESENTATIVE_VIEWS = [
    "Mum seems more settled; she is eating better.",
    "We think things are better, but we'd like to be told sooner when something happens.",
    "He can't tell us himself, but he smiles when the new carer comes.",
    "She still gets upset when she talks about it.",
]
PROGRESS = [
    "Done. {name} is happy with how it went.",
    "Good progress: {name} says things have improved.",
    "Some progress; waiting for {provider_or_agency} to confirm the changes.",
    "Started, but not there yet. Agreed to look again at the next review.",
    "No change yet; chased {provider_or_agency} today.",
    "Talked this through with {name}; {they_are} more confident about it now.",
]
# What a review notes about the outcomes, by what was changed on the day.
OUTCOME_CHANGES = {
    "reworded": "Agreed with {name} to reword one outcome to say exactly what {they_want}.",
    "withdrawn": "{name} no longer wants one of {their} outcomes; withdrawn.",
    "negotiated": "Explained why one outcome cannot happen as {name} asked; agreed what will happen instead.",
    "none": "No changes agreed.",
}

# Contacts and meetings by how the adult took part: (kind, place, attendees, minutes)
INVOLVEMENTS = {
    "home": [
        (
            "visit",
            "{name}'s home",
            "{name}, {lead}",
            "Talked through what {name} wants and what happens next.",
        ),
        (
            "visit",
            "{name}'s home",
            "{name}, {lead}, district nurse",
            "Joint visit; {name} was in good spirits.",
        ),
    ],
    "elsewhere": [
        (
            "meeting",
            "{place}",
            "{name}, {lead}, {provider_manager}",
            "Met to agree the plan; {name} chaired.",
        ),
        ("visit", "{place}", "{name}, {lead}", "Saw {name} on {their} own, as {they_want}."),
    ],
    "phone_video": [
        ("phone", "", "{name}, {lead}", "Phoned to update {name} on what the provider has done."),
        ("video", "", "{name}, {lead}", "Video call at {name}'s request; {their} niece set it up."),
    ],
    "representative": [
        ("meeting", "{place}", "{rep}, {lead}", "{rep} spoke for {name} and shared what {they_want}."),
        ("phone", "", "{rep}, {lead}", "Updated {rep}, who will explain it to {name}."),
    ],
    "advocate": [
        (
            "meeting",
            "{place}",
            "{advocate} (advocate), {lead}",
            "The advocate put {name}'s views to the meeting.",
        ),
        (
            "visit",
            "{name}'s home",
            "{name}, {advocate} (advocate), {lead}",
            "Advocate present to support {name}.",
        ),
    ],
    "chose_not": [
        (
            "meeting",
            "{civic}",
            "{lead}, {provider_manager}",
            "{name} chose not to come; sent a summary.",
        ),
        ("visit", "{name}'s home", "{lead}", "{name} did not want to talk about it today; will try again."),
    ],
    "not_present": [
        (
            "meeting",
            "{civic}",
            "{lead}, police, GP, {provider_manager}",
            "Professionals' meeting to share information.",
        ),
        ("other", "", "{lead}, {provider_manager}", "Checked the care records with the manager."),
    ],
}

# Capacity and best interests (decision-specific)
CAPACITY_DECISIONS = [
    "Whether to accept a change to {their} care and support",
    "Managing {their} money and bank accounts",
    "Whether to keep seeing the person who is alleged to have harmed {them}",
    "Where to live: staying at home or moving to a care home",
    "Whether to agree to the police being told",
]
CAPACITY_NOTES = {
    "lacks": "{name} could not retain the information long enough to weigh it up, even with pictures "
    "and a second visit.",
    "has": "{name} understood the risks, weighed them up and told me {their} decision clearly.",
}
BEST_INTERESTS_OUTCOMES = [
    "Stay at home with a larger care package; this is what {name} has always wanted and the risks can "
    "be managed.",
    "A deputy will be asked for to manage {their} money; until then the council's appointee team will.",
    "Visits by the person alleged to have harmed {name} will be supervised for now.",
    "Move to a nursing home near {their} daughter; {name} had said before that {they_want} to be near "
    "family.",
]
ADVOCATES = [
    ("Joanne Pritchard", "Riverside Advocacy Hub"),
    ("Mark Ellison", "Riverside Advocacy Hub"),
    ("Fatima Rahman", "Riverside Advocacy Hub"),
    ("Hugh Farrell", "Pennine Advocacy (IMCA service)"),
]
HILLSIDE_ADVOCATES = [("Carol Bentham", "Hillside Advocacy"), ("Imran Shah", "Hillside Advocacy")]

# Risk and the safeguarding plan
RISK_ASSESSMENTS = [
    "Risk of further harm is high while the situation continues; {name} is frightened and has care "
    "and support needs that make it hard to protect {themself}.",
    "Risk is moderate: the harm happened once and the provider has acted, but {name} still relies on "
    "the same service.",
    "Risk is low now the person alleged to have caused harm has no contact with {name}.",
    "Risk is hard to judge: accounts differ and there is no independent witness.",
]
# (action, agency, the scenarios it fits or () for any); {provider} is filled in.
PLAN_ACTIONS = [
    ("Review the visit rota and report back on missed calls", "{provider}", ("home_care_neglect",)),
    (
        "Investigate and report back to the council",
        "{provider}",
        ("home_care_neglect", "care_home_physical", "day_centre"),
    ),
    (
        "Refresher training for all staff on the shift",
        "{provider}",
        ("care_home_neglect", "care_home_physical", "day_centre", "resident_on_resident"),
    ),
    (
        "Review the care plan and the night checks",
        "{provider}",
        ("care_home_neglect", "resident_on_resident"),
    ),
    ("Move {name} to a room away from the other resident", "{provider}", ("resident_on_resident",)),
    (
        "Visit {name} and give crime prevention advice",
        "Riverside Police",
        ("scam", "hate_crime", "cuckooing", "family_financial"),
    ),
    (
        "Investigate and keep {name} updated",
        "Riverside Police",
        ("sexual_abuse", "care_home_physical", "domestic", "hate_crime", "sexual_exploitation"),
    ),
    ("Referral to the modern slavery support service", "Riverside Police", ("modern_slavery",)),
    (
        "Review {their} medication and pain relief",
        "GP surgery",
        (
            "home_care_neglect",
            "carer_neglect",
            "care_home_neglect",
            "community_hospital",
            "hospital_discharge",
        ),
    ),
    (
        "Change the locks and fit a door chain",
        "Riverside Housing Association",
        ("domestic", "cuckooing", "family_financial", "hate_crime"),
    ),
    ("Put a marker on the account and stop the cards", "Northgate Bank", ("family_financial", "scam")),
    (
        "Assess for equipment: hoist and pressure-relieving mattress",
        "Riverside Council",
        ("carer_neglect", "home_care_neglect", "community_hospital", "hospital_discharge"),
    ),
    ("Home fire safety visit and smoke alarms", "Fire and rescue service", ("self_neglect", "cuckooing")),
    ("Carer's assessment for {their} family carer", "Riverside Council", ("carer_neglect",)),
    ("Referral to the domestic abuse service", "Riverside Council", ("domestic", "sexual_abuse")),
    (
        "Talk through staying safe online and on the phone",
        "Riverside Council",
        ("sexual_exploitation", "scam"),
    ),
    ("Review observation levels on the ward", "Riverside NHS Foundation Trust", ("mental_health_ward",)),
    (
        "Review what went wrong and tell {name} and the family",
        "Riverside NHS Foundation Trust",
        ("hospital_discharge", "community_hospital"),
    ),
    (
        "Agree a support plan with the community mental health team",
        "Riverside NHS Foundation Trust",
        ("self_neglect", "mental_health_ward", "cuckooing"),
    ),
    ("Check on {name} weekly until the review", "Riverside Council", ()),
    ("Referral to a befriending scheme", "Riverside Council", ()),
]
HILLSIDE_AGENCIES = {
    "Riverside Police": "Hillside Police",
    "Riverside Housing Association": "Hillside Homes",
    "Riverside Council": "Hillside Council",
    "Riverside NHS Foundation Trust": "Hillside Community Health",
}

# Closure
CLOSURE_NOTES = {
    "complete": [
        "The plan is in place and working; {name} knows who to contact if it happens again.",
        "Actions are complete and {name} says {they_are} happy for the enquiry to end.",
        "Risk has reduced; ongoing support continues through {their} care review.",
    ],
    "persons_request": [
        "{name} asked for the enquiry to stop; {they_have} capacity to decide this and "
        "the risk to others is low."
    ],
    "not_substantiated": ["Information gathered did not show abuse or neglect; {name} has been told why."],
    "died": ["{name} died in hospital of natural causes; the enquiry is closed."],
    "moved": ["{name} moved to live with family in another area; their council has been told."],
    "other": ["Passed to the police investigation, which will continue; {name} knows who to contact."],
}
CLOSURE_RETURN_COMMENTS = [
    "Please record whether {name} was supported by anyone to take part before this closes.",
    "The risk outcome says removed, but an action is still open. Please check.",
    "Please add {name}'s own view of whether {they_have} got what {they_want}, in {their} own words.",
    "Has {name} been asked for feedback? Please offer it before we close.",
]
ACHIEVEMENT_NOTES = {
    "Fully Achieved": ["{name} says this has happened.", "Confirmed at the last review.", ""],
    "Partially Achieved": [
        "Better, but not everything {name} wanted.",
        "In place, but it is early days.",
        "",
    ],
    # Every outcome not achieved says why: a team manager's list of them (issue 14) is read for the
    # reasons, and a blank one tells the reader nothing.
    "Not Achieved": [
        "Outside our control; explained to {name}.",
        "{name} still feels the same: the provider would not change the visit times.",
        "The police took no further action, so {name}'s wish to see charges could not be met.",
    ],
}

# Feedback, in the adult's and a representative's words
FEEDBACK_COMMENTS = [
    "Thank you for listening to me. I feel like myself again.",
    "It took too long to get going, but once it did it was good.",
    "I liked that you came to my house and didn't rush me.",
    "Nobody told me what was happening for weeks.",
    "The social worker was kind and explained everything.",
    "I still don't think anything has changed at the home.",
]
REPRESENTATIVE_FEEDBACK_COMMENTS = [
    "Mum was treated with respect and we were kept informed.",
    "We felt listened to, but we had to chase for updates.",
    "The advocate made a real difference; Dad's wishes were heard.",
    "Thank you. He is much happier now.",
]

# The mix at closure, roughly as in the national SAC figures (SG2c, SG2e, SG4a).
RISK_ASSESSMENT_WEIGHTS = [
    ("Risk identified and action taken", 60),
    ("Risk identified and no action taken", 5),
    ("Risk Assessment inconclusive and action taken", 9),
    ("Risk Assessment inconclusive and no action taken", 3),
    ("No risk identified and action taken", 6),
    ("No risk identified and no action taken", 9),
    ("Enquiry ceased at individual's request and no action taken", 8),
]
RISK_OUTCOME_WEIGHTS = [("Risk reduced", 60), ("Risk removed", 30), ("Risk remained", 10)]
ACHIEVEMENT_WEIGHTS = {
    "good": [("Fully Achieved", 62), ("Partially Achieved", 29), ("Not Achieved", 9)],
    "poor": [("Fully Achieved", 20), ("Partially Achieved", 40), ("Not Achieved", 40)],
}
# How the adult took part in a contact or meeting (Involvement.Participation values).
PARTICIPATION_WEIGHTS = [
    ("home", 34),
    ("elsewhere", 10),
    ("phone_video", 14),
    ("representative", 10),
    ("chose_not", 8),
    ("not_present", 12),
]
# Answers to the feedback questions by how the person felt overall; "" is a question left blank.
FEEDBACK_ANSWER_WEIGHTS = {
    "good": [("Definitely", 78), ("To some extent", 15), ("Don't know", 2), ("", 5)],
    "mixed": [("Definitely", 20), ("To some extent", 50), ("Not at all", 15), ("Don't know", 8), ("", 7)],
    "poor": [("To some extent", 25), ("Not at all", 55), ("Prefer not to say", 10), ("", 10)],
}

# --- Board assurance: case file audits, Safeguarding Adults Reviews, the annual report (issue 14) ---

# How a file reads to an auditor: the weights of each grade (4 outstanding to 1 inadequate) and the
# chance of a "yes" on a yes/no question. Most files are sound, a few are weak.
AUDIT_FILE_QUALITY = [("strong", 30), ("typical", 50), ("weak", 20)]
AUDIT_GRADE_WEIGHTS = {
    "strong": [(4, 30), (3, 55), (2, 12), (1, 3)],
    "typical": [(4, 8), (3, 55), (2, 30), (1, 7)],
    "weak": [(4, 2), (3, 30), (2, 45), (1, 23)],
}
AUDIT_YES_RATE = {"strong": 0.95, "typical": 0.85, "weak": 0.55}
# Questions that often do not apply to a file (capacity was not in doubt, no communication needs).
AUDIT_NOT_APPLICABLE_RATE = {"capacity_considered": 0.55, "advocacy": 0.55, "communication": 0.2}

# The auditor's comment on a question, for an answer that meets the standard and one that does not.
AUDIT_COMMENTS: dict[str, tuple[list[str], list[str]]] = {
    "first_contact": (
        [
            "Spoke to them by phone the same afternoon; recorded with the time.",
            "Home visit the next morning.",
        ],
        [
            "Two unanswered calls, then nothing for four days.",
            "First conversation was with the provider, not the adult.",
        ],
    ),
    "immediate_safety": (
        ["The carer was stood down the same day and the family told.", "Other residents were thought of."],
        [
            "No sign anyone checked whether they were safe that night.",
            "Risk to the other tenant not considered.",
        ],
    ),
    "asked_outcomes": (
        ["Asked at the first visit; the answer is quoted.", "Asked through a daughter, with the reason why."],
        ["Not asked until the closing visit.", "The record assumes what the adult wanted."],
    ),
    "outcomes_own_words": (
        ["'I want to feel safe in my own flat': the adult's words, not ours.", "Quotes throughout."],
        ["Written as 'wants to be safe', which could be anyone.", "Outcomes in professional shorthand only."],
    ),
    "outcomes_revisited": (
        [
            "Checked at each review; the change of mind is recorded and agreed.",
            "Negotiated outcome explained.",
        ],
        ["Wishes recorded once and never returned to.", "Outcome changed without saying why."],
    ),
    "involvement": (
        [
            "The adult chaired part of the planning meeting herself.",
            "Visits at home at times that suited them.",
        ],
        ["Decisions made at a meeting the adult was not told about.", "Involvement not recorded at all."],
    ),
    "communication": (
        ["Interpreter booked for every visit.", "Easy-read plan left with the adult."],
        ["Hearing loss mentioned but no adjustment made.", "Phone contact only, despite the adult's needs."],
    ),
    "capacity_considered": (
        ["Decision-specific assessment recorded and reasoned.", "Capacity assumed and the reason recorded."],
        ["'Lacks capacity' with no decision named.", "No assessment despite clear doubt."],
    ),
    "advocacy": (
        [
            "Care Act advocate started within a week and the advocate's view is on file.",
            "A son acted as appropriate person.",
        ],
        ["Referral made but never chased.", "Substantial difficulty noted, no advocate considered."],
    ),
    "least_intrusive": (
        ["Support to act for themself was tried first.", "Response in proportion to a low risk."],
        [
            "A strategy meeting where a phone call would have done.",
            "Police involved against the adult's wishes, no reason.",
        ],
    ),
    "risk_outcome": (
        [
            "Risk at the start and end set side by side; reduced.",
            "The adult understands the risk that remains.",
        ],
        ["No view of the risk at closure.", "Closed with the risk unchanged and no plan."],
    ),
    "safety_plan": (
        ["Plan names who does what by when, shared with the adult.", "Reviewed when the carer changed."],
        ["No plan on file.", "Plan written but not shared with the adult."],
    ),
    "information_shared": (
        ["Consent recorded before sharing with the GP.", "Shared with police without consent, reason given."],
        ["Housing not told until the end.", "Whole file sent to the provider."],
    ),
    "partner_actions": (
        ["Every partner action owned, dated and followed up.", "Provider's actions chased and confirmed."],
        ["Actions given to health with no date.", "Nobody checked the provider did what it said."],
    ),
    "outcomes_achieved": (
        [
            "Achievement checked with the adult by phone before closing.",
            "The adult's view recorded at closure.",
        ],
        ["Graded by the worker alone.", "Not achieved, with no reason recorded."],
    ),
    "feedback_sought": (
        ["Feedback conversation offered and recorded.", "Questionnaire sent; a daughter replied."],
        ["No feedback offered.", "Offered, but what was said is not recorded."],
    ),
    "management_oversight": (
        ["Manager's reasons clear at each sign-off.", "Supervision note on the file."],
        ["Signed off with no comment.", "No oversight visible at closure."],
    ),
    "recording": (
        ["Clear, current and respectful: the adult would recognise themself.", "Easy to follow."],
        ["Case notes weeks behind.", "Jargon throughout; hard to follow."],
    ),
}
AUDIT_COMMENTS_DEFAULT = (
    ["Good, and clearly recorded.", "Meets the standard."],
    ["Not evident in the record."],
)
AUDIT_WORKED_WELL = [
    "Persistent, patient contact that let the adult say what they wanted in their own time.",
    "Close work with the police kept the adult at the centre of the decisions.",
    "The advocate's involvement changed the plan for the better.",
    "Quick action on the day the concern came in.",
    "Good use of the family's knowledge of the adult, with their agreement.",
]
AUDIT_COULD_BE_BETTER = [
    "Record the person's own words, not a summary of them.",
    "Return to what the person wanted at each review.",
    "Chase partner actions and record that they were done.",
    "Ask for feedback before closing, and write down what is said.",
    "Name the decision when capacity is in doubt.",
]
AUDIT_SUMMARIES = {
    "strong": "A person-led enquiry, well recorded; practice to share with the team.",
    "typical": "Sound practice overall, with the person's wishes recorded; some gaps in the record.",
    "weak": "The person's voice is hard to find in this file; learning actions set.",
}
# Where the second auditor sees it differently, they say why.
MODERATION_COMMENTS = [
    "I read the record as a grade lower: the evidence is thin.",
    "I would grade this higher: the visit notes show it well.",
    "Agree with the first auditor.",
]
# The practitioner's own reflections in a live audit.
AUDIT_REFLECTIONS = {
    "asked_outcomes": "I did ask at the first visit, but I wrote it up as a summary; next time I will quote.",
    "involvement": "They wanted to be at the meeting, but it was at short notice; I should have moved it.",
    "outcomes_achieved": "I checked by phone before closing, and should have written that down.",
    "recording": "Reading it back, the case notes were late in the busy weeks.",
}
AUDIT_REFLECTIONS_OVERALL = (
    "Doing this together helped. The practice was better than the record shows, and the gap is in what "
    "I wrote down rather than what I did. I will record the person's words and my reasons as I go."
)
LEARNING_ACTIONS = [
    "Record the person's desired outcomes in their own words at the first conversation.",
    "Book a reflective supervision on proportionate responses where risk is low.",
    "Share the file at the team meeting as an example of person-led practice.",
    "Complete the mental capacity refresher and apply it to decision-specific assessments.",
]
LEARNING_DONE_NOTES = [
    "Discussed at the team meeting on the 12th; the template now asks for the person's own words.",
    "Supervision held; notes on the supervision file.",
]

# Safeguarding Adults Reviews (section 44). Pseudonyms only: the Board never sees who they were.
SAR_CONCLUDED: dict[str, Any] = {
    "referred_by": "Riverside NHS Foundation Trust",
    "summary": (
        "Referred by the trust's named nurse after Adult A died at home two weeks after discharge from "
        "hospital. Concerns about self-neglect had been raised by the home care agency and by a neighbour."
    ),
    "decision_reasons": (
        "Adult A had needs for care and support, died, and the Board knows or suspects the death "
        "resulted from neglect. There is reasonable cause for concern about how agencies worked "
        "together. The criteria of section 44(1) to (3) are met."
    ),
    "reviewer": "Independent reviewer (Northmoor Safeguarding Consultancy)",
    "themes": ["self_neglect", "hospital_discharge", "multi_agency_working"],
    "family_involvement": "involved",
    "family_note": "Adult A's sister met the reviewer twice and read the draft report.",
    "findings": (
        "Adult A's wish to go home was respected, but nobody agreed with them what support would make "
        "that safe.\n\n"
        "The discharge went ahead on a Friday without the home care agency being told, and the first "
        "visit was missed.\n\n"
        "Three agencies each held part of the picture of self-neglect; no one brought it together, and "
        "no multi-agency meeting was called.\n\n"
        "Adult A's capacity to make decisions about their care at home was assumed, and not recorded, "
        "although staff doubted it."
    ),
    "adult": {"pseudonym": "Adult A", "died": True, "serious_harm": True},
}
SAR_CONCLUDED_RECOMMENDATIONS = [
    # (owner, text, state): state is completed, overdue, in_progress or open.
    (
        "Riverside NHS Foundation Trust",
        "Discharges of adults with care and support needs are not made on a Friday unless the home care "
        "provider has confirmed the first visit.",
        "completed",
    ),
    (
        "Riverside Council",
        "Introduce a multi-agency self-neglect protocol, with a named lead agency and a route to a "
        "risk meeting.",
        "overdue",
    ),
    (
        "Riverside Integrated Care Board",
        "Audit how mental capacity is recorded in community health records, and report to the Board.",
        "in_progress",
    ),
    (
        "Riverside Housing Association",
        "Train neighbourhood officers to recognise and report self-neglect.",
        "open",
    ),
]
SAR_EVIDENCE = (
    "The trust's discharge policy was changed in the autumn; a month's discharges were audited and none "
    "went ahead without the provider's confirmation."
)
SAR_IN_PROGRESS: dict[str, Any] = {
    "referred_by": "Riverside Police",
    "summary": (
        "Adult B, a young man with a learning disability, was taken into a flat used for drug dealing "
        "and was seriously assaulted. He survived."
    ),
    "decision_reasons": (
        "Adult B survived, so the mandatory criteria are not met. The Board chose a discretionary review "
        "under section 44(4): the case shows how criminal exploitation of adults with a learning "
        "disability is spotted, and there is learning for every agency."
    ),
    "reviewer": "Independent reviewer (Fell View Associates)",
    "themes": ["exploitation", "learning_disability_autism", "transitions"],
    "family_involvement": "involved",
    "family_note": "Adult B and his mother are taking part, with an advocate.",
    "findings": "",
    "adult": {"pseudonym": "Adult B", "died": False, "serious_harm": True},
}
# An early learning point the Board acted on while the review continues.
SAR_IN_PROGRESS_RECOMMENDATIONS = [
    (
        "Riverside Police",
        "Share intelligence about flats taken over for drug dealing with adult social care within a day.",
        "in_progress",
    ),
]
SAR_NOT_PROGRESSED: dict[str, Any] = {
    "referred_by": "Meadowview Care Home",
    "summary": "A resident fell and broke a hip; the home asked whether a review was needed.",
    "decision_reasons": (
        "The criteria of section 44 are not met: the fall was investigated under section 42, and the "
        "learning is being taken forward by the home and the council's quality team."
    ),
}

# The Board's own sections of the annual report, drafted by the safeguarding lead.
ANNUAL_REPORT_SECTIONS = {
    "foreword": (
        "This has been a year of listening. We have asked more people what they wanted from a "
        "safeguarding enquiry, and more of them told us they got it.\n\n"
        "Two Safeguarding Adults Reviews have shaped our work, and I thank the families who took part."
    ),
    "strategy": (
        "Our strategic plan has three priorities: Making Safeguarding Personal, self-neglect, and "
        "learning from reviews.\n\n"
        "We began monthly case file audits of safeguarding enquiries, with multi-agency auditors, and "
        "report what they find to every Board meeting."
    ),
    "review_actions": (
        "The Board accepted every recommendation of the review concluded this year. Progress is "
        "reported to each Board meeting; where a recommendation is late, the owner explains why.\n\n"
        "The self-neglect protocol is behind plan: the Board agreed a new date with the council."
    ),
    "priorities": (
        "Next year we will finish the self-neglect protocol, audit capacity assessments across "
        "agencies, and hear directly from people who have been through an enquiry."
    ),
}
ANNUAL_REPORT_MEMBERS = {
    "Riverside Council": (
        "Adult social care introduced case file audits and trained every practitioner in recording the "
        "person's own words."
    ),
    "Riverside Police": "The Public Protection Unit took part in audits and led work on exploitation.",
    "Riverside NHS Foundation Trust": "The trust changed its discharge policy after Adult A's review.",
    "Riverside Integrated Care Board": "The ICB funded an independent advocacy pilot for people in hospital.",
}
