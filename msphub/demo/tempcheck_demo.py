"""Demo temperature-check data: the 2016 national round (from the shipped reference answers), the
2014/15 baseline, and a 2026 round ready for an interviewer, with a national lead and an interviewer.

Rebuilt from scratch on every run, so running seed_demo twice leaves the same data.
"""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from msphub.accounts.models import Organisation, Role, User
from msphub.tempcheck import importer, instruments
from msphub.tempcheck.models import Respondent, Round, Theme

from . import content

SHIPPED = instruments.SHIPPED
ROUNDS = ["national-2016", "evaluation-2015", "national-2026"]
USERS = [
    ("network_lead", "Grace", "Adeyemi", Role.REGIONAL_LEAD),
    ("interviewer", "Tom", "Hughes", Role.INTERVIEWER),
]
COUNCILS_2026 = ["Riverside Council", "Hillside Council", "Lakeside Council", "Moorland Council"]


@transaction.atomic
def seed_tempcheck() -> dict[str, int]:
    network, _ = Organisation.objects.update_or_create(
        name="National MSP network (demo)",
        defaults={"kind": Organisation.Kind.NETWORK, "region": "", "national": True},
    )
    password = make_password(content.PASSWORD)
    users = {}
    for username, first, last, role in USERS:
        users[username], _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "organisation": network if role == Role.REGIONAL_LEAD else None,
                "role": role,
                "password": password,
                "is_active": True,
            },
        )
    Round.objects.filter(slug__in=ROUNDS).delete()
    instrument = instruments.load((SHIPPED / "instrument-2016.yaml").read_text(encoding="utf-8"))
    national = importer.create_round(
        "national-2016",
        "National temperature check 2016",
        instrument,
        (SHIPPED / "national-2016-responses.csv").read_bytes(),
    )
    national.interviewers.set([users["interviewer"]])
    importer.create_baseline(
        "evaluation-2015",
        "MSP evaluation 2014/15 (published counts)",
        instrument,
        (SHIPPED / "evaluation-2015-published.csv").read_bytes(),
    )
    current = Round.objects.create(
        slug="national-2026", title="National temperature check 2026", instrument=instrument
    )
    current.interviewers.set([users["interviewer"]])
    Respondent.objects.bulk_create(
        Respondent(round=current, respondent_id=f"N26-{n:03d}", council=name, region="")
        for n, name in enumerate(COUNCILS_2026, start=1)
    )
    question = instrument.questions.get(qid="msp_meaning")
    for label in ("Person-led practice", "Outcomes focus", "Culture change"):
        Theme.objects.create(round=current, question=question, label=label)
    return {"rounds": Round.objects.filter(slug__in=ROUNDS).count()}
