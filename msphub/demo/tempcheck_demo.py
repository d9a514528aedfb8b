"""Demo temperature-check data (docs/tempcheck.md; ../shared/domain/tempcheck.md):

- the 2016 national round from the shipped reference answers (115 councils; the 26 London councils
  agreed to be named in tables, as the London regional report names them), with its fieldwork dates,
  method and a data-quality note on the report's "slight downturn for acute trusts" slip;
- the 2014/15 evaluation's published counts, the baseline it is compared with;
- "London 2016 (later councils)": the 7 London councils interviewed in November and December 2016,
  which merge with the national round's London cut into one London report of 33 councils; their
  answers to "What does MSP mean to you?" coded in the London codebook (themes with definitions),
  a double-coded sample (one disagreement left for the lead to reconcile) and quotes the lead chose;
- a road-map round (the 2017 survey of directors' question: the road-map steps each council reached);
- published benchmark figures ("asked about desired outcomes", 2016-17) for eleven London councils,
  so the evidence shows beside their self-rating;
- a 2026 round ready for an interviewer.

Users: a national lead (network_lead), a London regional lead (london_lead) and two interviewers
(interviewer, london_interviewer), both on the London round, so its sample is coded twice.
Rebuilt from scratch on every run (the rounds, their codebooks with the themes' history and the demo's
benchmark files are deleted first), so running seed_demo twice leaves the same data.
"""

import json
import random
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from msphub.accounts.models import Organisation, Role, User
from msphub.benchmarks import importer as benchmark_importer
from msphub.benchmarks.files import FORMAT, HEADLINE, VERSION
from msphub.benchmarks.models import BenchmarkSubmission
from msphub.measures.measures import MEASURES
from msphub.measures.sac import ORDERS, TABLE_TITLES
from msphub.tempcheck import coding, importer, instruments
from msphub.tempcheck.models import (
    Answer,
    Codebook,
    Coding,
    DataQualityNote,
    Instrument,
    Question,
    Quote,
    Respondent,
    Round,
    Theme,
)

from . import content

SHIPPED = instruments.SHIPPED
LONDON = "London"

NATIONAL = "national-2016"
BASELINE = "evaluation-2015"
CURRENT = "national-2026"
LONDON_ROUND = "london-2016-later"
ROAD_MAP = "road-map-2017"
ROUNDS = [NATIONAL, BASELINE, CURRENT, LONDON_ROUND, ROAD_MAP]

NATIONAL_NETWORK = "National MSP network (demo)"
LONDON_NETWORK = "London ADASS network (demo)"
# (username, first name, last name, role, network or None)
USERS = [
    ("network_lead", "Grace", "Adeyemi", Role.REGIONAL_LEAD, NATIONAL_NETWORK),
    ("interviewer", "Tom", "Hughes", Role.INTERVIEWER, None),
    ("london_lead", "Ama", "Owusu", Role.REGIONAL_LEAD, LONDON_NETWORK),
    ("london_interviewer", "Daniel", "Brooks", Role.INTERVIEWER, None),
]
COUNCILS_2026 = ["Riverside Council", "Hillside Council", "Lakeside Council", "Moorland Council"]

NATIONAL_METHOD = (
    "Structured conversations of about an hour, held by phone in May and June 2016 with the "
    "safeguarding lead of each council, by a team of five interviewers, all independent chairs of "
    "Safeguarding Adults Boards, following one schedule of open and closed questions with reflective "
    "coaching. 115 of England's councils (76%) took part, a random sample balanced by type of "
    "council. The interviewers' ratings of achievement are reported; 14 were moderated."
)
LONDON_METHOD = (
    "The 7 London councils not in the national sample were interviewed by phone in November and "
    "December 2016 with the national schedule, by two interviewers of the London network. With the 26 "
    "London councils of the national round they make the London regional report of all 33 councils, "
    "each of which agreed to be named in its tables to share practice."
)
ROAD_MAP_METHOD = (
    "The survey of directors in March and April 2017 asked each council to tick every step of the "
    "road map it had reached (progress is not always in order) and to rate its achievement; the "
    "national team moderated the ratings."
)
# Where the published text contradicts the figures computed from the counts (issue 16).
DATA_QUALITY_NOTE = (
    "The national report (section 3.2, on the agencies' involvement) says police, acute trusts and "
    "care providers show a slight downturn since the 2014/15 evaluation. Computed from the 2016 "
    "answers and the 2014/15 counts, acute hospitals rose (+13); ambulance trusts fell furthest (-33), "
    "then primary care (-23), care providers (-1) and police (-1). The report's own summary names "
    "primary care, the ambulance service and the police, as do the 2016-17 programme slides: "
    '"acute trusts" is a slip for ambulance trusts.'
)

# The 7 London councils interviewed later (the London regional report's 33, less the 26 of the
# national round): (respondent id, council, may be named beside a quote, answer to msp_meaning).
LONDON_LATER = [
    (
        "L16-001",
        "London Borough of Barnet",
        False,
        "Putting the person at the centre of every safeguarding conversation: asking what they want "
        "to happen and keeping them involved until the end.",
    ),
    (
        "L16-002",
        "London Borough of Croydon",
        True,
        "A change of culture for the whole partnership, not a form to fill in. We are still working on "
        "getting health partners to see it that way.",
    ),
    (
        "L16-003",
        "London Borough of Harrow",
        True,
        "Supporting people to make their own choices, even where some risk remains, and helping staff "
        "feel confident about positive risk-taking.",
    ),
    (
        "L16-004",
        "London Borough of Islington",
        True,
        "Strong leadership from the top: the Director and Chief Executive talk about MSP with staff. It "
        "is about values, and every worker asking the person what matters to them.",
    ),
    (
        "L16-005",
        "Royal Borough of Kingston upon Thames",
        True,
        "Free conversations about what the person wants to achieve for themselves, not about what we "
        "can do for them, and how they can carry on achieving their outcomes into the future.",
    ),
    (
        "L16-006",
        "London Borough of Newham",
        True,
        "Outcomes are recorded at the start and the end; where the outcome wasn't what the person "
        "wanted we enquire into this to find out the reason.",
    ),
    (
        "L16-007",
        "London Borough of Sutton",
        False,
        "Prevention as much as enquiries: a lot of safeguarding happens outside the specialist team, "
        "before a section 42 enquiry, and we are not yet measuring it.",
    ),
]
# London's staff were more positive about the culture change than England's (the 2017-18 London
# learning slides: 70% very positive against 36% nationally); the other answers follow the national
# round's distribution.
LONDON_STAFF_REACTION = ["Very positively"] * 5 + ["Fairly positively", "Too soon to tell"]
# The one later London council whose own rating the interviewer moderated (lower).
LONDON_MODERATED = "L16-003"
LONDON_MODERATION_REASON = (
    "The council rated itself as fully implemented, but its recording system does not yet record "
    "outcomes and the partners are not yet involved."
)

CODED_QUESTION = "msp_meaning"
THEMES = {
    "Person-led practice": (
        "The person's wishes, views and choices lead the safeguarding work: working with the person, "
        "not doing safeguarding to them."
    ),
    "Outcomes focus": (
        "Asking what outcomes the person wants at the start, reviewing them during and at the end, and "
        "recording whether they were achieved."
    ),
    "Culture change": (
        "MSP as a change of values and culture across the council or partnership, led from the top, "
        "rather than a process or a form."
    ),
    "Wellbeing and prevention": (
        "MSP linked to the wellbeing principle, prevention and early help before (or without) a "
        "section 42 enquiry."
    ),
    "Working with risk": (
        "Supporting people's choices where some risk remains (positive risk-taking), including under "
        "the Mental Capacity Act."
    ),
}
NATIONAL_THEMES = {
    label: THEMES[label] for label in ("Person-led practice", "Outcomes focus", "Culture change")
}
# The double-coded sample: each coder's themes, and the final coding where the lead reconciled it
# (None: left to reconcile - the coders disagree about "Wellbeing and prevention").
DOUBLE_CODED: dict[str, dict[str, Any]] = {
    "L16-001": {
        "interviewer": ["Person-led practice", "Outcomes focus"],
        "london_interviewer": ["Person-led practice", "Outcomes focus"],
        "final": ["Person-led practice", "Outcomes focus"],
    },
    "L16-004": {
        "interviewer": ["Culture change", "Person-led practice"],
        "london_interviewer": ["Culture change"],
        "final": ["Culture change", "Person-led practice"],
    },
    "L16-005": {
        "interviewer": ["Outcomes focus", "Person-led practice"],
        "london_interviewer": ["Outcomes focus", "Person-led practice", "Wellbeing and prevention"],
        "final": None,
    },
    "L16-006": {
        "interviewer": ["Outcomes focus"],
        "london_interviewer": ["Outcomes focus"],
        "final": ["Outcomes focus"],
    },
}
# Answers outside the sample: coded once, and that coding is the final one.
SINGLE_CODED = {
    "L16-002": ("interviewer", ["Culture change"]),
    "L16-003": ("london_interviewer", ["Working with risk", "Person-led practice"]),
    "L16-007": ("interviewer", ["Wellbeing and prevention"]),
}
# Quotes the lead chose: (respondent id, theme, excerpt - a part of the answer's text).
QUOTES = [
    ("L16-006", "Outcomes focus", "where the outcome wasn't what the person wanted we enquire into this"),
    ("L16-004", "Culture change", "It is about values, and every worker asking the person what matters"),
    ("L16-001", "Person-led practice", "Putting the person at the centre of every safeguarding conversation"),
    ("L16-007", "Wellbeing and prevention", "a lot of safeguarding happens outside the specialist team"),
]

# The highest road-map step each council in the road-map round reached, in the shape the 2017
# survey reported (a majority reached step 6, under a quarter step 8 or beyond).
ROAD_MAP_HIGHEST = [6, 5, 7, 6, 4, 8, 6, 3, 6, 9, 5, 6, 7, 6, 2, 8, 6, 5, 7, 6, 10, 4, 6]
ROAD_MAP_RATING = {1: "F", 2: "E", 3: "D", 4: "D", 5: "C", 6: "B", 7: "B", 8: "B", 9: "A", 10: "A"}

# Published benchmark figures for 2016-17 (the London rounds' financial year): "asked about desired
# outcomes" for eleven London councils of both rounds, five of those that said people are asked
# about outcomes, five of those that said "partly" and one that said no, so the report shows the
# median measured share beside each answer (five councils at least) and the conversation form the
# council's own figure. (ONS code, council as the rounds name it, asked, concluded enquiries: counts
# as published, multiples of 5.)
BENCHMARK_YEAR = "2016-17"
BENCHMARK_MEASURE = "asked_about_outcomes"
BENCHMARKS = [
    ("E09000009", "Ealing", 340, 425),
    ("E09000004", "LB Bexley", 305, 410),
    ("E09000006", "London Borough of Bromley", 450, 520),
    ("E09000022", "London Borough of Lambeth", 395, 455),
    ("E09000029", "London Borough of Sutton", 210, 300),
    ("E09000007", "London Borough of Camden", 300, 400),
    ("E09000012", "Hackney", 190, 380),
    ("E09000019", "London Borough of Islington", 410, 500),
    ("E09000025", "London Borough of Newham", 275, 425),
    ("E09000028", "London Borough of Southwark", 240, 420),
    ("E09000010", "Enfield", 120, 315),
]
BENCHMARK_FILE_PREFIX = "demo-tempcheck-"
SUPPRESSED = "[c]"


@transaction.atomic
def seed_tempcheck() -> dict[str, int]:
    users = _users()
    _clear()
    instrument = instruments.load((SHIPPED / "instrument-2016.yaml").read_text(encoding="utf-8"))
    national = _national(instrument, users)
    importer.create_baseline(
        BASELINE,
        "MSP evaluation 2014/15 (published counts)",
        instrument,
        (SHIPPED / "evaluation-2015-published.csv").read_bytes(),
    )
    _current(instrument, users)
    london = _london(instrument, national, users)
    _code_london(london, users)
    _road_map(national, users)
    _benchmarks()
    return {"rounds": Round.objects.filter(slug__in=ROUNDS).count()}


def _users() -> dict[str, User]:
    networks = {
        NATIONAL_NETWORK: Organisation.objects.update_or_create(
            name=NATIONAL_NETWORK,
            defaults={"kind": Organisation.Kind.NETWORK, "region": "", "national": True},
        )[0],
        LONDON_NETWORK: Organisation.objects.update_or_create(
            name=LONDON_NETWORK,
            defaults={"kind": Organisation.Kind.NETWORK, "region": LONDON, "national": False},
        )[0],
    }
    password = make_password(content.PASSWORD)
    users = {}
    for username, first, last, role, network in USERS:
        users[username], _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "organisation": networks[network] if network else None,
                "role": role,
                "password": password,
                "is_active": True,
            },
        )
    return users


def _clear() -> None:
    """Remove what the last run made: the rounds with their history (their respondents, answers,
    codings, samples, quotes and notes go with them), the codebooks they used with the themes'
    history, and the demo's benchmark files. A codebook another round of its region shares is kept
    (its themes are that round's too; the demo's rounds reuse them)."""
    Round.objects.filter(slug__in=ROUNDS).delete()
    # As for the themes below: the rebuilt rounds start a history afresh (a rerun gives the same rows).
    Round.history.filter(slug__in=ROUNDS).delete()
    other_regions = Round.objects.exclude(slug__in=ROUNDS).values("region")
    codebooks = Codebook.objects.filter(qid=CODED_QUESTION, region__in=["", LONDON]).exclude(
        region__in=other_regions
    )
    ids = list(codebooks.values_list("pk", flat=True))
    Coding.objects.filter(theme__codebook__in=ids).delete()
    Quote.objects.filter(theme__codebook__in=ids).delete()
    # A merged theme points at the one it was merged into (PROTECT): clear the links first.
    Theme.objects.filter(codebook__in=ids).update(merged_into=None)
    Codebook.objects.filter(pk__in=ids).delete()
    # Deleting the themes wrote their last history rows: the rebuilt themes start a history afresh.
    Theme.history.filter(codebook_id__in=ids).delete()
    BenchmarkSubmission.objects.filter(file_name__startswith=BENCHMARK_FILE_PREFIX).delete()


def _national(instrument: Instrument, users: dict[str, User]) -> Round:
    national = importer.create_round(
        NATIONAL,
        "National temperature check 2016",
        instrument,
        (SHIPPED / "national-2016-responses.csv").read_bytes(),
    )
    national.starts_on, national.ends_on = date(2016, 5, 3), date(2016, 6, 30)
    national.method = NATIONAL_METHOD
    national.save(update_fields=["starts_on", "ends_on", "method"])
    national.interviewers.set([users["interviewer"]])
    # The London councils agreed to be identifiable (the London report names them in its tables).
    national.respondents.filter(region=LONDON).update(may_name=True)
    national.respondents.update(complete=True)
    DataQualityNote.objects.create(
        round=national, qid="agency_involvement", text=DATA_QUALITY_NOTE, added_by=users["network_lead"]
    )
    return national


def _current(instrument: Instrument, users: dict[str, User]) -> Round:
    current = Round.objects.create(
        slug=CURRENT,
        title="National temperature check 2026",
        instrument=instrument,
        starts_on=date(2026, 4, 13),
        ends_on=date(2026, 6, 30),
        method="Structured conversations of about an hour by phone with each council's safeguarding lead.",
    )
    current.interviewers.set([users["interviewer"]])
    Respondent.objects.bulk_create(
        Respondent(round=current, respondent_id=f"N26-{n:03d}", council=name, region="")
        for n, name in enumerate(COUNCILS_2026, start=1)
    )
    question = instrument.questions.get(qid=CODED_QUESTION)
    for label, definition in NATIONAL_THEMES.items():
        coding.add_theme(current, question, label, definition)
    return current


def _distribution(national: Round) -> dict[tuple[str, str], dict[str, int]]:
    """The national round's count of each answer, by question and grid item, and (under "") of the
    councils that gave none: the weights the later London councils' answers are drawn with."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    rows = (
        Answer.objects.filter(respondent__round=national)
        .values("question__qid", "item", "answer")
        .annotate(n=Count("pk"))
        .order_by("question__qid", "item", "answer")
    )
    for row in rows:
        counts.setdefault((row["question__qid"], row["item"]), {})[row["answer"]] = row["n"]
    total = national.respondents.count()
    for weights in counts.values():
        weights[""] = total - sum(weights.values())
    return counts


def _london(instrument: Instrument, national: Round, users: dict[str, User]) -> Round:
    london = Round.objects.create(
        slug=LONDON_ROUND,
        title="London 2016 (later councils)",
        instrument=instrument,
        region=LONDON,
        starts_on=date(2016, 11, 7),
        ends_on=date(2016, 12, 16),
        method=LONDON_METHOD,
    )
    london.interviewers.set([users["interviewer"], users["london_interviewer"]])
    respondents = Respondent.objects.bulk_create(
        Respondent(
            round=london,
            respondent_id=rid,
            council=council,
            region=LONDON,
            complete=True,
            may_name=True,
            moderation_reason=LONDON_MODERATION_REASON if rid == LONDON_MODERATED else "",
        )
        for rid, council, _, _ in LONDON_LATER
    )
    weights = _distribution(national)
    questions = list(instrument.questions.all())
    rng = random.Random(2016)
    answers = []
    for n, (respondent, (_, _, consent, meaning)) in enumerate(zip(respondents, LONDON_LATER, strict=True)):
        given: dict[str, str] = {}
        for question in questions:
            for item in question.items if question.type == "grid" else [""]:
                answer = _london_answer(question, item, n, given, weights, rng)
                if question.qid == CODED_QUESTION:
                    answer = meaning
                if not answer:
                    continue
                given[question.qid] = answer
                answers.append(
                    Answer(
                        respondent=respondent,
                        question=question,
                        item=item,
                        answer=answer,
                        may_name_council=consent and question.type == "open",
                    )
                )
    Answer.objects.bulk_create(answers)
    return london


def _london_answer(
    question: Question,
    item: str,
    n: int,
    given: dict[str, str],
    weights: dict[tuple[str, str], dict[str, int]],
    rng: random.Random,
) -> str:
    """One later London council's answer ("" for none): drawn from the national distribution, except
    the staff reaction (London's), the rating pair (the interviewer moderates one council) and the
    conditional question (asked only where recording changes are not complete: here, where the
    council had not changed its recording)."""
    if question.type == "open":
        return ""
    if question.qid == "staff_reaction":
        return LONDON_STAFF_REACTION[n]
    if question.qid == "recording_progress" and given.get("recording_changed") != "No":
        return ""
    if question.moderates:
        own = given[question.moderates]
        if LONDON_LATER[n][0] == LONDON_MODERATED:
            return question.categories[question.categories.index(own) + 1]
        return own
    if question.qid == "achievement_self" and LONDON_LATER[n][0] == LONDON_MODERATED:
        return question.categories[0]
    drawn = weights.get((question.qid, item), {})
    # A conditional question's councils not asked are not a "no response" of those asked.
    choices = [c for c in [*question.categories, *([] if question.condition else [""])] if drawn.get(c)]
    if not choices:
        return ""
    return rng.choices(choices, weights=[drawn[c] for c in choices])[0]


def _code_london(london: Round, users: dict[str, User]) -> None:
    """The London codebook (with definitions), each coder's own coding, the double-coded sample
    (reconciled but for one answer) and the lead's quotes, all through the coding services, so the
    final coding follows their rule (coding.py)."""
    question = london.instrument.questions.get(qid=CODED_QUESTION)
    themes = {label: coding.add_theme(london, question, label, text) for label, text in THEMES.items()}
    answers = {
        a.respondent.respondent_id: a
        for a in Answer.objects.filter(respondent__round=london, question=question).select_related(
            "respondent"
        )
    }

    def ids(labels: list[str]) -> set[int]:
        return {themes[label].pk for label in labels}

    lead = users["london_lead"]
    coding.set_sample(london, question, [answers[rid].pk for rid in DOUBLE_CODED])
    for coder in ("interviewer", "london_interviewer"):
        judgements = {answers[rid].pk: ids(coded[coder]) for rid, coded in DOUBLE_CODED.items()}
        judgements |= {
            answers[rid].pk: ids(labels) for rid, (who, labels) in SINGLE_CODED.items() if who == coder
        }
        coding.save_coding(london, question, users[coder], judgements)
    for rid, coded in DOUBLE_CODED.items():
        if coded["final"] is not None:
            coding.reconcile(london, question, answers[rid].pk, lead, ids(coded["final"]), expected="")
    for rid, label, excerpt in QUOTES:
        coding.choose_quote(london, question, answers[rid].pk, themes[label], excerpt, lead)


def _road_map(national: Round, users: dict[str, User]) -> Round:
    instrument = instruments.load((SHIPPED / "roadmap-self-assessment.yaml").read_text(encoding="utf-8"))
    round_ = Round.objects.create(
        slug=ROAD_MAP,
        title="MSP road map self-assessment 2017",
        instrument=instrument,
        starts_on=date(2017, 3, 1),
        ends_on=date(2017, 4, 28),
        method=ROAD_MAP_METHOD,
    )
    round_.interviewers.set([users["interviewer"]])
    # Every fifth council of the national round, in its order.
    councils = list(national.respondents.order_by("respondent_id").values_list("council", "region"))[::5]
    respondents = Respondent.objects.bulk_create(
        Respondent(round=round_, respondent_id=f"R17-{n:03d}", council=council, region=region, complete=True)
        for n, (council, region) in enumerate(councils[: len(ROAD_MAP_HIGHEST)], start=1)
    )
    questions = {q.qid: q for q in instrument.questions.all()}
    steps_question = next(q for q in questions.values() if q.type == "multi")
    # The step labels start with the step number ("1 ...", "2 ...").
    steps = {int(label.split(" ", 1)[0]): label for label in steps_question.categories}
    ratings = {label[0]: label for label in questions["achievement_self"].categories}
    answers = []
    for n, (respondent, highest) in enumerate(zip(respondents, ROAD_MAP_HIGHEST, strict=True)):
        answers += [
            Answer(respondent=respondent, question=steps_question, answer=steps[step])
            for step in _steps_ticked(n, highest)
        ]
        rating = ratings[ROAD_MAP_RATING[highest]]
        for qid in ("achievement_self", "achievement_interviewer"):
            answers.append(Answer(respondent=respondent, question=questions[qid], answer=rating))
    Answer.objects.bulk_create(answers)
    return round_


def _steps_ticked(n: int, highest: int) -> list[int]:
    """The steps a council ticked: usually every step from 2 (step 1 is "not yet started") to its
    highest; some only their highest (the survey's undercounting of early steps), and some reached a
    later step without the one before it (progress is not linear)."""
    if highest == 1:
        return [1]
    if n % 7 == 3:
        return [highest]
    reached = list(range(2, highest + 1))
    if n % 5 == 1 and highest >= 5:
        reached.remove(highest - 1)
    return reached


def _benchmark_file(ons_code: str, council: str, asked: int, concluded: int) -> dict[str, Any]:
    """A valid benchmark file with only "asked about desired outcomes" published (every other figure
    suppressed, as a count of 0 to 4 is); the counts are multiples of 5, as published."""

    def entry(measure_id: str, label: str) -> dict[str, Any]:
        if measure_id == BENCHMARK_MEASURE:
            return {
                "id": measure_id,
                "label": label,
                "numerator": asked,
                "denominator": concluded,
                "percent": round(100 * asked / concluded, 1),
            }
        return {
            "id": measure_id,
            "label": label,
            "numerator": SUPPRESSED,
            "denominator": SUPPRESSED,
            "percent": SUPPRESSED,
        }

    return {
        "format": FORMAT,
        "version": VERSION,
        "year": BENCHMARK_YEAR,
        "council": {"ons_code": ons_code, "name": council, "region": LONDON},
        "generated_at": "2017-05-15T09:00:00+01:00",
        "headline": [entry(measure_id, label) for measure_id, (label, _) in HEADLINE.items()],
        "measures": [entry(m.id, m.label) for m in MEASURES],
        "sac": {
            table_id: [
                {"row": row, "column": column, "count": SUPPRESSED}
                for row in ORDERS[table_id][0]
                for column in ORDERS[table_id][1]
            ]
            for table_id in TABLE_TITLES
        },
    }


def _benchmarks() -> None:
    uploads = [
        benchmark_importer.Upload(
            f"{BENCHMARK_FILE_PREFIX}{ons_code}-{BENCHMARK_YEAR}.json",
            json.dumps(_benchmark_file(ons_code, council, asked, concluded)).encode(),
        )
        for ons_code, council, asked, concluded in BENCHMARKS
    ]
    benchmark_importer.import_files(uploads, imported_by_name="seed_demo (demo figures)", replace=True)
