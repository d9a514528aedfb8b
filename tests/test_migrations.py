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


def test_no_migration_runs_code_or_sql_of_its_own():
    assert MIGRATIONS, "no migrations found"
    doing = [m.name for m in MIGRATIONS if re.search(r"\bRun(SQL|Python)\b", m.read_text())]
    assert not doing, f"migrations the models cannot reproduce (drop --nomigrations or move it): {doing}"
