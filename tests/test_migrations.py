"""The migrations describe the models exactly.

The suite builds its test databases from the models (``--nomigrations`` in pyproject.toml: running
the 52 migrations took about 10 s per worker and database). That gives the same schema as migrating
only while the migrations and the models agree and no migration does anything the models cannot say
(RunSQL or RunPython); these tests check both. .ci/run also migrates an empty PostgreSQL database.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

MIGRATIONS = sorted(Path(__file__).resolve().parent.parent.glob("msphub/*/migrations/0*.py"))


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = StringIO()
    # --check exits non-zero (SystemExit) when a migration would be written.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


# Migrations that also fill in existing rows (RunPython): the schema is still the models', and the
# test databases (built from the models) have no rows to fill, so each filling is tested below on
# records made here. Nothing else may run code or SQL of its own.
DATA_MIGRATIONS = {
    "0003_findings_and_quote_moderation.py",
    "0006_concern_first_contact_at.py",
    "0004_themes_into_codebooks.py",  # tempcheck (tests/test_tempcheck_coding_migration.py)
}


def test_no_migration_runs_code_or_sql_of_its_own():
    assert MIGRATIONS, "no migrations found"
    doing = {m.name for m in MIGRATIONS if re.search(r"\bRun(SQL|Python)\b", m.read_text())}
    unexpected = sorted(doing - DATA_MIGRATIONS)
    assert not unexpected, (
        f"migrations the models cannot reproduce (drop --nomigrations or move it): {unexpected}"
    )
    assert not any(re.search(r"\bRunSQL\b", m.read_text()) for m in MIGRATIONS if m.name in DATA_MIGRATIONS)


@pytest.mark.django_db
def test_the_findings_backfill_gives_concluded_enquiries_their_concerns_findings(
    enquiry, practitioner, manager
):
    """enquiries 0003: an enquiry concluded before findings were recorded found what its concern
    said; a consented quote recorded before moderation awaits it. Open enquiries are left alone."""
    import importlib

    from django.apps import apps

    from msphub.enquiries import services
    from msphub.enquiries.models import EnquiryLocation, EnquiryRiskType, EnquirySource, Feedback
    from tests.enquiry_fixtures import close, feedback_data

    migration = importlib.import_module("msphub.enquiries.migrations.0003_findings_and_quote_moderation")
    close(enquiry, practitioner, manager)
    services.record_feedback(
        enquiry, practitioner, feedback_data(comments="Kind people", consent_to_quote=True)
    )
    for model in (EnquiryRiskType, EnquiryLocation, EnquirySource):
        model.objects.filter(enquiry=enquiry).delete()
    Feedback.objects.filter(enquiry=enquiry).update(quote_status="")
    concern = enquiry.concern

    migration.backfill(apps, None)
    migration.backfill(apps, None)  # twice: a rerun adds nothing

    assert sorted(enquiry.found_risk_types.values_list("risk_type", flat=True)) == sorted(
        concern.risk_types.values_list("risk_type", flat=True)
    )
    assert list(enquiry.found_locations.values_list("location_of_risk", flat=True)) == [
        concern.location_of_risk
    ]
    assert list(enquiry.found_sources.values_list("source_of_risk", flat=True)) == [concern.source_of_risk]
    assert Feedback.objects.get(enquiry=enquiry).quote_status == "awaiting"


@pytest.mark.django_db
def test_the_first_contact_backfill_gives_each_concern_its_earliest_counted_contact(
    make_concern, practitioner
):
    """concerns 0006: a concern's first spoken to is its earliest contact not entered in error, none
    without one; a rerun changes nothing."""
    import importlib
    from datetime import timedelta

    from django.apps import apps

    from msphub.concerns.models import Concern, FirstContact

    migration = importlib.import_module("msphub.concerns.migrations.0006_concern_first_contact_at")
    concern = make_concern()
    received = concern.received_at

    def contact(hours: int, in_error: bool = False) -> None:
        FirstContact.objects.create(
            concern=concern,
            contact_at=received + timedelta(hours=hours),
            method="phone",
            spoke_with="adult",
            recorded_by=practitioner,
            wants="To be safe",
            entered_in_error_at=received + timedelta(days=3) if in_error else None,
        )

    contact(1, in_error=True)
    contact(5)
    contact(9)
    never_spoken_to = make_concern()
    Concern.objects.update(first_contact_at=None)  # as before the migration

    migration.first_contacts(apps, None)
    migration.first_contacts(apps, None)

    assert Concern.objects.get(pk=concern.pk).first_contact_at == received + timedelta(hours=5)
    assert Concern.objects.get(pk=never_spoken_to.pk).first_contact_at is None
