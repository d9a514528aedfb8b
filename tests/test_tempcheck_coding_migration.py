"""Migration tempcheck 0004: the old per-round themes (Theme(round, question, answers)) become the
codebooks of each region and question, one theme per label, and their ticks the final coding.

The suite builds its databases from the models (--nomigrations), that is with every migration's
schema, so this test undoes tempcheck's migrations after 0003 one by one with Django's
MigrationExecutor, writes rows the old way, applies them again and checks the rows. It changes the
schema, so it runs outside a test transaction (transaction=True) and in a module of its own
(test_tempcheck_coding.py shares one transaction for its world). It runs on SQLite and on
PostgreSQL alike; it puts the schema back as the models have it before it ends.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

BEFORE = ("tempcheck", "0003_codebooks_and_coding")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_0004_moves_each_rounds_themes_into_codebooks_and_final_codings():
    # pytest-django hides the migrations (--nomigrations); this test reads them.
    with override_settings(MIGRATION_MODULES={}):
        executor = MigrationExecutor(connection)
        loader = executor.loader
        executor.recorder.ensure_schema()
        recorded = set(executor.recorder.applied_migrations())
        latest = next(key for key in loader.graph.leaf_nodes() if key[0] == "tempcheck")
        # tempcheck's migrations after 0003 (the database has the models' schema: all of them).
        after = [key for key in loader.graph.forwards_plan(latest) if key[0] == "tempcheck" and key > BEFORE]
        undone: list[tuple[str, str]] = []
        try:
            # Only tempcheck's migrations are undone and redone, one at a time, from the state
            # before each (its dependencies only): far quicker than migrating the whole project.
            for key in reversed(after):
                executor.unapply_migration(
                    loader.project_state(key, at_end=False), loader.get_migration(*key)
                )
                undone.append(key)
            ids = _old_world(loader.project_state(BEFORE).apps)
            state = loader.project_state(BEFORE)
            for key in after:
                state = executor.apply_migration(state, loader.get_migration(*key))
                undone.remove(key)
            _check(state.apps, ids)
        finally:
            state = loader.project_state(BEFORE)
            for key in after:  # the models' schema again, whatever happened
                if key in undone:
                    state = executor.apply_migration(state, loader.get_migration(*key))
                else:
                    state = loader.project_state(key)
            for app, name in set(executor.recorder.applied_migrations()) - recorded:
                executor.recorder.record_unapplied(app, name)  # as the suite's database was


def _old_world(apps) -> dict:
    """Two London rounds and a national one, themes made the old way (per round and question)."""
    Instrument = apps.get_model("tempcheck", "Instrument")
    Question = apps.get_model("tempcheck", "Question")
    Round = apps.get_model("tempcheck", "Round")
    Respondent = apps.get_model("tempcheck", "Respondent")
    Answer = apps.get_model("tempcheck", "Answer")
    Theme = apps.get_model("tempcheck", "Theme")
    instrument = Instrument.objects.create(slug="tc", title="Temperature check", source="")
    meaning = Question.objects.create(
        instrument=instrument, qid="msp_meaning", order=1, type="open", text="Meaning?"
    )
    voice = Question.objects.create(
        instrument=instrument, qid="user_voice", order=2, type="open", text="Voice?"
    )
    rounds = {
        slug: Round.objects.create(slug=slug, title=slug, instrument=instrument, region=region)
        for slug, region in (("london-a", "London"), ("london-b", "London"), ("england", ""))
    }

    def answer(round_slug: str, rid: str, question, text: str):
        respondent, _ = Respondent.objects.get_or_create(
            round=rounds[round_slug], respondent_id=rid, defaults={"council": rid}
        )
        return Answer.objects.create(respondent=respondent, question=question, answer=text)

    a1, a2 = answer("london-a", "Camden", meaning, "One"), answer("london-a", "Hackney", meaning, "Two")
    b1, b2 = answer("london-b", "Barnet", meaning, "Three"), answer("london-b", "Brent", meaning, "Four")
    v1 = answer("london-a", "Camden", voice, "A panel")
    n1 = answer("england", "Leeds", meaning, "Five")

    def theme(round_slug: str, question, label: str, *answers):
        t = Theme.objects.create(round=rounds[round_slug], question=question, label=label)
        t.answers.add(*answers)
        return t

    return {
        "kept": theme("london-a", meaning, "Listening", a1, a2).pk,
        "dropped": theme("london-b", meaning, "Listening", b1).pk,  # the same label, the same codebook
        "outcomes": theme("london-b", meaning, "Outcomes", b1, b2).pk,
        # The same name in other case (and a space): one theme, each answer once.
        "lower": theme("london-a", meaning, " outcomes", a1, b2).pk,
        "panels": theme("london-a", voice, "Panels", v1).pk,
        "national": theme("england", meaning, "Listening", n1).pk,
        "answers": {
            name: a.pk for name, a in (("a1", a1), ("a2", a2), ("b1", b1), ("b2", b2), ("v1", v1), ("n1", n1))
        },
    }


def _check(apps, ids: dict) -> None:
    Codebook = apps.get_model("tempcheck", "Codebook")
    Theme = apps.get_model("tempcheck", "Theme")
    Coding = apps.get_model("tempcheck", "Coding")
    books = {(b.region, b.qid): b for b in Codebook.objects.all()}
    assert set(books) == {("London", "msp_meaning"), ("London", "user_voice"), ("", "msp_meaning")}
    london = books[("London", "msp_meaning")]
    assert sorted(Theme.objects.filter(codebook=london).values_list("label", flat=True)) == [
        "Listening",
        "Outcomes",
    ]
    assert not Theme.objects.filter(pk=ids["dropped"]).exists(), "one theme per label in a codebook"
    assert not Theme.objects.filter(pk=ids["lower"]).exists(), "“Outcomes” and “ outcomes” are one theme"
    assert Theme.objects.get(pk=ids["kept"]).codebook == london
    assert Theme.objects.get(pk=ids["national"]).codebook == books[("", "msp_meaning")]
    assert Theme.objects.get(pk=ids["panels"]).codebook == books[("London", "user_voice")]
    final = {
        (answer_id, label)
        for answer_id, label in Coding.objects.filter(final=True, coder__isnull=True).values_list(
            "answer_id", "theme__label"
        )
    }
    a = ids["answers"]
    assert final == {
        (a["a1"], "Listening"),
        (a["a2"], "Listening"),
        (a["b1"], "Listening"),
        (a["b1"], "Outcomes"),
        (a["b2"], "Outcomes"),
        (a["a1"], "Outcomes"),  # from " outcomes"; b2 had both and is coded once
        (a["v1"], "Panels"),
        (a["n1"], "Listening"),
    }
    assert not Coding.objects.filter(final=False).exists(), "no coder's own coding is made up"
    assert Coding.objects.filter(final=True, answer_id=a["b2"], theme__label="Outcomes").count() == 1
    # Each theme kept has its "added" history row (no one made it: the migration did), so its first
    # change shows in the codebook's history.
    History = apps.get_model("tempcheck", "HistoricalTheme")
    kept = dict(Theme.objects.values_list("pk", "created_at"))
    added = {h.id: h for h in History.objects.filter(history_type="+")}
    assert set(added) == set(kept)
    for pk, created in kept.items():
        assert added[pk].history_date == created and added[pk].history_user_id is None
    assert added[ids["kept"]].label == "Listening" and added[ids["kept"]].codebook_id == london.pk
