"""The temperature check: instruments (versioned, loaded from YAML), rounds, respondents and answers.

See ../shared/domain/tempcheck.md. Answers are stored one row per answer, as in the reference CSV, so
the analysis is a GROUP BY over them.
"""

from django.conf import settings
from django.db import models


class Instrument(models.Model):
    slug = models.SlugField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300)
    source = models.TextField(help_text="The YAML the instrument was loaded from, kept as it was.")
    loaded_at = models.DateTimeField(auto_now_add=True)

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
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="rounds_interviewing"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Respondent(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="respondents")
    respondent_id = models.CharField(max_length=100)
    council = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    complete = models.BooleanField(default=False)
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


class Theme(models.Model):
    """A theme in the codebook of one open question in one round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="themes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(max_length=200)
    answers = models.ManyToManyField(Answer, blank=True, related_name="themes")

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["round", "question", "label"], name="unique_theme_label")
        ]

    def __str__(self) -> str:
        return self.label
