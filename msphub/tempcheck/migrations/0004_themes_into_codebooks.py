"""Move each round's themes into the codebook of its question and region (one theme per name,
whatever its case or spaces around it), and each theme's answers into final codings, before the old
per-round fields are removed (0005). Each theme kept gets its "+" (added) history row, as a theme
made on the codebook page has, so that its first change shows in the codebook's history."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Codebook = apps.get_model("tempcheck", "Codebook")
    Theme = apps.get_model("tempcheck", "Theme")
    HistoricalTheme = apps.get_model("tempcheck", "HistoricalTheme")
    Coding = apps.get_model("tempcheck", "Coding")
    # (codebook, name trimmed and case-folded): the theme kept ("Outcomes" and "outcomes" are one).
    kept: dict[tuple[int, str], int] = {}
    for theme in Theme.objects.select_related("round", "question").order_by("pk"):
        codebook, _ = Codebook.objects.get_or_create(region=theme.round.region, qid=theme.question.qid)
        target_pk = kept.setdefault((codebook.pk, theme.label.strip().casefold()), theme.pk)
        for answer_pk in theme.answers.values_list("pk", flat=True):
            Coding.objects.get_or_create(answer_id=answer_pk, theme_id=target_pk, final=True, coder=None)
        if target_pk == theme.pk:
            Theme.objects.filter(pk=theme.pk).update(codebook=codebook)
        else:
            theme.delete()
    now = timezone.now()
    recorded = set(HistoricalTheme.objects.filter(history_type="+").values_list("id", flat=True))
    HistoricalTheme.objects.bulk_create(
        HistoricalTheme(
            id=theme.pk,
            label=theme.label,
            definition=theme.definition,
            retired_at=theme.retired_at,
            created_at=theme.created_at or now,
            codebook_id=theme.codebook_id,
            merged_into_id=theme.merged_into_id,
            round_id=theme.round_id,
            question_id=theme.question_id,
            history_date=theme.created_at or now,
            history_type="+",
            history_user=None,
        )
        for theme in Theme.objects.filter(pk__in=kept.values()).order_by("pk")
        if theme.pk not in recorded
    )


class Migration(migrations.Migration):
    dependencies = [("tempcheck", "0003_codebooks_and_coding")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
