"""The temperature check: instruments (versioned, loaded from YAML), rounds, respondents and answers.

See ../shared/domain/tempcheck.md. Answers are stored one row per answer, as in the reference CSV, so
the analysis is a GROUP BY over them.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Instrument(models.Model):
    slug = models.SlugField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300)
    source = models.TextField(help_text="The YAML the instrument was loaded from, kept as it was.")
    loaded_at = models.DateTimeField(auto_now_add=True)
    # Figures declared for the whole instrument, such as cross-tabs of two questions
    # ({"crosstabs": [{"rows": qid, "columns": qid, "title": ...}]}); see instruments.parse.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="unique_instrument_version")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        GRID = "grid", "Grid"
        OPEN = "open", "Open"
        RATING = "rating", "Rating"

    CLOSED = {"single", "multi", "grid", "rating"}

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="questions")
    qid = models.CharField("Question id", max_length=100)
    order = models.PositiveIntegerField()
    type = models.CharField(max_length=10, choices=Type.choices)
    text = models.TextField()
    categories = models.JSONField(default=list, blank=True)
    items = models.JSONField(default=list, blank=True)
    condition = models.TextField(blank=True)
    moderates = models.CharField(max_length=100, blank=True)
    # Figures declared for one question: combined categories ("groups"), averages over named groups
    # of grid items ("item_groups"), road-map steps ("steps"), the benchmark measure a self-rating is
    # shown beside ("evidence"); see instruments.parse.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["instrument", "order"]
        constraints = [models.UniqueConstraint(fields=["instrument", "qid"], name="unique_question_id")]

    def __str__(self) -> str:
        return self.qid

    @property
    def is_closed(self) -> bool:
        return self.type in self.CLOSED


class RoundQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "RoundQuerySet":
        """Regional leads: every round of their region (national rounds for a national network);
        interviewers: the rounds they interview in, to capture and code, not to manage (access.md)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_regional_lead:
            if action == "compare":
                # A regional lead compares with the national rounds and baselines too (their
                # figures, read-only: a national round's figures can be cut to the lead's region).
                return self.filter(models.Q(region=user.network_region) | models.Q(region=""))
            return self.filter(region=user.network_region)
        if user.is_interviewer and action in ("view", "capture", "code"):
            return self.filter(interviewers=user).distinct()
        return self.none()


class Round(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="rounds")
    region = models.CharField(max_length=100, blank=True, help_text="Blank for a national round")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    aggregate_only = models.BooleanField(
        default=False, help_text="Published counts only (a baseline), no respondents"
    )
    # The report's method section: how the conversations were held and by whom, in the lead's words
    # (dates and interviewers are fields of their own).
    method = models.TextField(blank=True)
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="rounds_interviewing"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Who changed a round's title, dates, method or region, and when: a region passes the round to
    # another lead (docs/tempcheck-rounds.md).
    history = HistoricalRecords()

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def region_refusal(self, region: str) -> str:
        """Why the round cannot be given ``region`` ("" National), or "" if it can: not once its
        answers are coded (the codings are in the codebook of its region, coding.codebook_for, which
        another region's rounds do not share), nor a region while a council of the round is recorded
        as of another (the form shows it; services.update_round checks again under the row lock)."""
        if region == self.region:
            return ""
        answers = Answer.objects.filter(respondent__round=self)
        if (
            Coding.objects.filter(answer__in=answers).exists()
            or DoubleCoded.objects.filter(answer__in=answers).exists()
        ):
            return (
                "The region cannot be changed now that answers are coded: the codings are in the "
                f"{self.region or 'national'} codebook, which rounds of another region do not share"
            )
        if region:
            others = (
                self.respondents.exclude(region="")
                .exclude(region__iexact=region)
                .order_by("council")
                .values_list("council", "region")
            )
            if found := list(others[:3]):
                named = "; ".join(f"{council} ({of})" for council, of in found)
                return (
                    f"A round of {region} holds only its councils, and this round has councils of "
                    f"other regions: {named}"
                )
        return ""


class Respondent(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="respondents")
    respondent_id = models.CharField(max_length=100)
    council = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    complete = models.BooleanField(default=False)
    may_name = models.BooleanField(
        "Agreed to be named in tables",
        default=False,
        help_text="The council agreed to be identifiable: its name is listed beside its answers",
    )
    moderation_reason = models.TextField(
        blank=True, help_text="Why the interviewer's rating differs from the council's own"
    )

    class Meta:
        ordering = ["respondent_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "respondent_id"], name="unique_respondent_in_round")
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id} ({self.council})"


class Answer(models.Model):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(max_length=300, blank=True)
    answer = models.TextField()
    may_name_council = models.BooleanField(
        default=False, help_text="Open answers: the council agreed to be named beside a quote"
    )

    class Meta:
        indexes = [models.Index(fields=["question", "item", "answer"])]

    def __str__(self) -> str:
        return f"{self.respondent_id} {self.question_id} {self.item}: {self.answer[:40]}"


class AggregateCount(models.Model):
    """A published count for an aggregate-only round (a baseline such as the 2014/15 evaluation)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="aggregate_counts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="aggregate_counts")
    item = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=300)
    count = models.PositiveIntegerField()
    base = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.question_id} {self.item} {self.category}: {self.count}/{self.base}"


class Codebook(models.Model):
    """The themes for one open question, shared by every round of the same scope (region, as
    Round.region: blank is national) that asks a question with this id, so themes are reused and
    their frequencies compared across rounds."""

    region = models.CharField(max_length=100, blank=True)
    qid = models.CharField("Question id", max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region", "qid"]
        constraints = [models.UniqueConstraint(fields=["region", "qid"], name="unique_codebook")]

    def __str__(self) -> str:
        return f"{self.qid} ({self.region or 'national'})"


class Theme(models.Model):
    """A theme of a codebook: renamed, given a definition, merged into another or retired, with
    its history kept (django-simple-history)."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["codebook", "label"], name="unique_theme_label")]

    def __str__(self) -> str:
        return self.label


class Coding(models.Model):
    """One coder's judgement that an open answer carries a theme. Each coder codes independently
    (their own rows); ``final`` rows are the reconciled coding the report counts."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="codings")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    final = models.BooleanField(default=False)
    coded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "theme", "coder"],
                condition=models.Q(final=False),
                name="unique_coding_by_coder",
            ),
            models.UniqueConstraint(
                fields=["answer", "theme"], condition=models.Q(final=True), name="unique_final_coding"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} {self.theme_id}{' final' if self.final else ''}"


class DoubleCoded(models.Model):
    """An answer in a round's double-coded sample: two coders code it independently, agreement is
    measured on the sample, and the lead reconciles it into the final coding."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="double_coding")
    chosen_at = models.DateTimeField(auto_now_add=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"double-coded {self.answer_id}"


class Quote(models.Model):
    """A quote the lead chose for a theme, as an excerpt of the answer (the council is named beside
    it only where it agreed: Answer.may_name_council)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="quotes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="quotes")
    excerpt = models.TextField()
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chosen_at", "pk"]
        # One quote per answer and theme (choosing again changes the excerpt; a merge drops duplicates).
        constraints = [models.UniqueConstraint(fields=["answer", "theme"], name="unique_quote_per_theme")]

    def __str__(self) -> str:
        return self.excerpt[:40]


class DataQualityNote(models.Model):
    """A note the lead adds to a round's report, for example where a published text contradicts the
    figures computed from the counts."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="data_quality_notes")
    qid = models.CharField("Question id", max_length=100, blank=True)
    text = models.TextField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
