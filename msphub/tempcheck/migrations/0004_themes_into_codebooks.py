"""Move each round's themes into the codebook of its question and region (one theme per label), and
each theme's answers into final codings, before the old per-round fields are removed (0005)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Codebook = apps.get_model("tempcheck", "Codebook")
    Theme = apps.get_model("tempcheck", "Theme")
    Coding = apps.get_model("tempcheck", "Coding")
    kept: dict[tuple[int, str], int] = {}
    for theme in Theme.objects.select_related("round", "question").order_by("pk"):
        codebook, _ = Codebook.objects.get_or_create(region=theme.round.region, qid=theme.question.qid)
        target_pk = kept.setdefault((codebook.pk, theme.label), theme.pk)
        for answer_pk in theme.answers.values_list("pk", flat=True):
            Coding.objects.get_or_create(answer_id=answer_pk, theme_id=target_pk, final=True, coder=None)
        if target_pk == theme.pk:
            Theme.objects.filter(pk=theme.pk).update(codebook=codebook)
        else:
            theme.delete()


class Migration(migrations.Migration):
    dependencies = [("tempcheck", "0003_codebooks_and_coding")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
