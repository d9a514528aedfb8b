"""Coding open answers: codebooks, each coder's own coding, the double-coded sample, agreement,
reconciliation and chosen quotes (docs/tempcheck-coding.md). Every change is one transaction here;
the views only read.

Who coded what is kept in ``Coding`` rows: a coder's own rows (``final=False``, one per theme they
ticked) and the final coding the report counts (``final=True``). A coder who judged that an answer
carries none of the themes has no theme to tick, so every coder's judgement of an answer also has a
row for the codebook's *coded* marker, a theme with a blank label (``CODED``) that is never shown,
offered, counted or compared: it says "this coder has coded this answer" (and when they first did).

The final coding of an answer is, in order (``refresh_final`` keeps it so):
1. the lead's reconciliation, for an answer of the double-coded sample the lead has reconciled
   (``DoubleCoded.reconciled_at``; the final rows' coder is the lead);
2. a coding made before coders coded independently (final rows without a coder: the themes
   migration 0004 carried over from the old shared ticks), kept until the lead reconciles it;
3. otherwise the coding of the first coder to code the answer (the final rows' coder is that
   coder), updated in the same transaction as every change of that coder's coding. An answer in
   the sample counts its first coder's coding until the lead reconciles it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from msphub.accounts.models import User
from msphub.core.history import readable_datetime
from msphub.core.states import StateChanged

from . import agreement as kappa
from . import suggest
from .analysis import in_words, percent
from .models import Answer, Codebook, Coding, DoubleCoded, Question, Quote, Round, Theme

# The label of each codebook's "coded" marker (a form never gives a blank label).
CODED = ""


# --- Codebooks -----------------------------------------------------------------------------------


def codebook_for(round_: Round, question: Question) -> Codebook:
    """The codebook a round's open question uses: shared by every round of the same region (made
    if there is none yet: call it only in a change)."""
    codebook, _ = Codebook.objects.get_or_create(region=round_.region, qid=question.qid)
    return codebook


def find_codebook(round_: Round, qid: str) -> Codebook | None:
    """The codebook of a round's question if there is one (reading only)."""
    return Codebook.objects.filter(region=round_.region, qid=qid).first()


def themes_of(codebook: Codebook | None) -> QuerySet[Theme]:
    """A codebook's themes, active, retired and merged (never the coded marker)."""
    if codebook is None:
        return Theme.objects.none()
    return Theme.objects.filter(codebook=codebook).exclude(label=CODED)


def offered(codebook: Codebook | None) -> QuerySet[Theme]:
    """The themes offered for new coding: neither retired nor merged into another."""
    return themes_of(codebook).filter(retired_at__isnull=True, merged_into__isnull=True)


def _marker(codebook: Codebook) -> Theme:
    theme, _ = Theme.objects.get_or_create(codebook=codebook, label=CODED)
    return theme


def label_taken(codebook: Codebook | None, label: str, exclude: Theme | None = None) -> bool:
    """Whether the codebook has a theme of that name already (whatever the case)."""
    themes = themes_of(codebook).filter(label__iexact=label.strip())
    if exclude is not None:
        themes = themes.exclude(pk=exclude.pk)
    return themes.exists()


@transaction.atomic
def add_theme(round_: Round, question: Question, label: str, definition: str = "") -> Theme:
    """A theme in the codebook of an open question (the one there already, if it has that label)."""
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Enter the name of the theme"})
    codebook = lock_codebook(codebook_for(round_, question))
    theme = themes_of(codebook).filter(label__iexact=label).first()
    if theme is None:
        theme = Theme.objects.create(codebook=codebook, label=label, definition=definition.strip())
    return theme


def lock_codebook(codebook: Codebook | int) -> Codebook:
    """Lock the codebook's row until the transaction ends. Every change of its themes and every
    change of coding made with it takes this lock first (then the answers', then the themes' or the
    sample's rows), so a merge or a deletion never interleaves with a coder's save or a
    reconciliation, and nobody waits on anybody in a circle."""
    pk = codebook if isinstance(codebook, int) else codebook.pk
    return Codebook.objects.select_for_update().get(pk=pk)


def _locked(theme: Theme) -> Theme:
    """The theme as stored now, its row locked until the transaction ends (its codebook's first)."""
    codebook_id = Theme.objects.filter(pk=theme.pk).values_list("codebook_id", flat=True).first()
    if codebook_id is not None:
        lock_codebook(codebook_id)
    return Theme.objects.select_for_update().get(pk=theme.pk)


@transaction.atomic
def change_theme(theme: Theme, label: str, definition: str, shown: tuple[str, str] | None = None) -> Theme:
    """Rename a theme or change its definition (its history keeps both). ``shown``: the name and
    definition the page showed; if either has changed since (another lead, or another window),
    nothing is saved (StateChanged), so one change never silently undoes another."""
    theme = _locked(theme)
    if shown is not None:
        # A browser posts a textarea's line breaks as \r\n.
        then = tuple(v.replace("\r\n", "\n").strip() for v in shown)
        if then != (theme.label.strip(), theme.definition.replace("\r\n", "\n").strip()):
            raise StateChanged(
                "This theme was changed in another window since this page was shown: it is now "
                f"called “{theme.label}”; check its name and definition and save again"
            )
    label = label.strip()
    if label_taken(theme.codebook, label, exclude=theme):
        raise ValidationError({"label": f"The codebook has a theme called “{label}” already: merge them"})
    theme.label, theme.definition = label, definition.strip()
    theme.save()
    return theme


@transaction.atomic
def retire_theme(theme: Theme) -> Theme:
    """No longer offered for new coding; the codings made with it stay and are counted."""
    theme = _locked(theme)
    if theme.merged_into_id is None and theme.retired_at is None:
        theme.retired_at = timezone.now()
        theme.save()
    return theme


@transaction.atomic
def restore_theme(theme: Theme) -> Theme:
    """A retired theme offered for coding again."""
    theme = _locked(theme)
    if theme.merged_into_id is None and theme.retired_at is not None:
        theme.retired_at = None
        theme.save()
    return theme


@transaction.atomic
def merge_theme(theme: Theme, into: Theme) -> Theme:
    """Merge ``theme`` into ``into``: its codings (each coder's and the final ones) and its quotes
    move to ``into`` (where an answer already has ``into`` from the same coder, the row is dropped
    as a duplicate); ``theme`` is kept, marked merged into ``into``, with its history; themes merged
    into it before now point at ``into``."""
    theme, into = _locked(theme), _locked(into)
    if (
        into.pk == theme.pk
        or into.codebook_id != theme.codebook_id
        or into.label == CODED
        or theme.merged_into_id is not None
        or into.merged_into_id is not None
        or into.retired_at is not None
    ):
        raise ValidationError({"into": "Select another active theme of this codebook"})
    same_coder = Coding.objects.filter(
        theme=into, answer=OuterRef("answer"), coder=OuterRef("coder"), final=False
    )
    same_final = Coding.objects.filter(theme=into, answer=OuterRef("answer"), final=True)
    moving = Coding.objects.filter(theme=theme)
    moving.filter(final=False).exclude(Exists(same_coder)).update(theme=into)
    moving.filter(final=True).exclude(Exists(same_final)).update(theme=into)
    moving.delete()  # what is left is already on ``into``
    # One quote per answer and theme: where the answer has a quote for ``into`` already, it stays.
    same_quote = Quote.objects.filter(theme=into, answer=OuterRef("answer"))
    quotes = Quote.objects.filter(theme=theme)
    quotes.exclude(Exists(same_quote)).update(theme=into)
    quotes.delete()  # what is left duplicates a quote of ``into``
    for earlier in Theme.objects.select_for_update().filter(merged_into=theme):
        earlier.merged_into = into
        earlier.save()
    theme.merged_into = into
    theme.save()
    return theme


def in_use(theme: Theme) -> bool:
    return Coding.objects.filter(theme=theme).exists() or Quote.objects.filter(theme=theme).exists()


@transaction.atomic
def delete_theme(theme: Theme) -> None:
    """Delete a theme nobody has coded with (a mistyped one, say); one in use is retired instead."""
    theme = _locked(theme)
    if in_use(theme) or Theme.objects.filter(merged_into=theme).exists():
        raise ValidationError("This theme has been used: retire it instead")
    theme.delete()


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: Any
    theme: str
    what: list[str]

    @property
    def when(self) -> str:
        return readable_datetime(self.at)


def history(codebook: Codebook | None, limit: int = 200) -> list[HistoryEntry]:
    """The codebook's changes, newest first, in words: added, renamed, definition changed,
    retired, brought back, merged, deleted. One query (each row against the theme's previous one)."""
    if codebook is None:
        return []
    rows = list(
        Theme.history.filter(codebook_id=codebook.pk)
        .exclude(label=CODED)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = {row.id: row.label for row in rows}
    previous: dict[int, Any] = {}
    out = []
    for row in rows:
        before = previous.get(row.id)
        what: list[str] = []
        if row.history_type == "+":
            what.append("Added" + (f", defined as “{row.definition}”" if row.definition else ""))
        elif row.history_type == "-":
            what.append("Deleted")
        elif before is not None:
            if before.label != row.label:
                what.append(f"Renamed from “{before.label}”")
            if before.definition != row.definition:
                what.append(
                    f"Definition changed to “{row.definition}”" if row.definition else "Definition removed"
                )
            if before.merged_into_id != row.merged_into_id and row.merged_into_id is not None:
                what.append(f"Merged into “{names.get(row.merged_into_id, 'another theme')}”")
            if before.retired_at is None and row.retired_at is not None:
                what.append("Retired")
            if before.retired_at is not None and row.retired_at is None:
                what.append("Brought back")
        previous[row.id] = row
        if what:
            out.append(HistoryEntry(row.history_date, row.history_user, row.label, what))
    out.reverse()
    return out[:limit]


def rounds_sharing(codebook: Codebook, rounds: QuerySet[Round]) -> QuerySet[Round]:
    """Of ``rounds``, those whose open question uses the codebook (same region, same question id)."""
    return rounds.filter(
        region=codebook.region, instrument__questions__qid=codebook.qid, instrument__questions__type="open"
    ).distinct()


# --- Each coder's coding ------------------------------------------------------------------------------


def answers_to(round_: Round, question: Question) -> QuerySet[Answer]:
    """A round's answers to an open question, by council."""
    return (
        Answer.objects.filter(respondent__round=round_, question=question)
        .select_related("respondent")
        .order_by("respondent__council", "pk")
    )


def own_coding(answers: Iterable[Answer] | QuerySet[Answer], coder: User) -> dict[int, set[int]]:
    """{answer id: the theme ids the coder gave it} for the answers the coder has coded (an empty
    set: none of the themes)."""
    return _themes_by(
        Coding.objects.filter(answer__in=answers, coder=coder, final=False).values_list(
            "answer_id", "theme_id", "theme__label"
        )
    )


def _themes_by(rows: Iterable[tuple[int, int, str]]) -> dict[int, set[int]]:
    """{key: theme ids} from (key, theme id, theme label) rows of codings: the coded marker
    (``CODED``) makes a key with no themes ("None of these themes")."""
    out: dict[int, set[int]] = {}
    for key, theme_id, label in rows:
        themes = out.setdefault(key, set())
        if label != CODED:
            themes.add(theme_id)
    return out


def coders_of(answer_ids: Iterable[int]) -> dict[int, list[int]]:
    """{answer id: the ids of the coders who coded it, first coder first} (by when each first coded
    it, then by the row's id)."""
    first: dict[tuple[int, int], tuple[datetime, int]] = {}
    rows = Coding.objects.filter(answer_id__in=list(answer_ids), final=False, coder__isnull=False)
    for answer_id, coder_id, at, pk in rows.values_list("answer_id", "coder_id", "coded_at", "pk"):
        key = (answer_id, coder_id)
        if key not in first or (at, pk) < first[key]:
            first[key] = (at, pk)
    out: dict[int, list[int]] = {}
    for (answer_id, coder_id), _when in sorted(first.items(), key=lambda kv: kv[1]):
        out.setdefault(answer_id, []).append(coder_id)
    return out


def _lock_answers(answer_ids: Iterable[int]) -> None:
    """Lock the answers' rows (in id order, so two savers never wait on each other in a circle):
    of two coders saving the same answer at once, the second waits, then sees the first's rows."""
    list(Answer.objects.select_for_update().filter(pk__in=list(answer_ids)).order_by("pk").values_list("pk"))


@transaction.atomic
def save_coding(
    round_: Round, question: Question, coder: User, judgements: Mapping[int, set[int] | None]
) -> int:
    """Save one coder's coding of some of a round's answers to ``question``: for each answer id, the
    themes the coder ticked (an empty set: none of the themes), or None (not coded: the coder's
    coding of it is removed). Only the coder's own rows change; answers of other rounds or
    questions and themes not offered for coding are ignored; a retired theme the coder had given
    an answer stays. Returns the number of answers whose coding changed."""
    answer_ids = set(
        Answer.objects.filter(
            respondent__round=round_, question=question, pk__in=list(judgements)
        ).values_list("pk", flat=True)
    )
    coding_any = any(judgements[pk] is not None for pk in answer_ids)
    codebook = codebook_for(round_, question) if coding_any else find_codebook(round_, question.qid)
    if not answer_ids or codebook is None:
        return 0  # nothing coded, and nothing to uncode: no codebook, no coding yet
    codebook = lock_codebook(codebook)
    _lock_answers(answer_ids)
    allowed = set(offered(codebook).values_list("pk", flat=True))
    # Uncoding only: the marker is looked for, not made (without it, no coder has marker rows).
    marker_pk = (
        _marker(codebook).pk
        if coding_any
        else Theme.objects.filter(codebook=codebook, label=CODED).values_list("pk", flat=True).first()
    )
    existing: dict[int, dict[int, int]] = {}
    for pk, answer_id, theme_id in Coding.objects.filter(
        answer_id__in=answer_ids, coder=coder, final=False
    ).values_list("pk", "answer_id", "theme_id"):
        existing.setdefault(answer_id, {})[theme_id] = pk
    drop: list[int] = []
    add: list[Coding] = []
    changed: set[int] = set()
    for answer_id in answer_ids:
        chosen = judgements[answer_id]
        have = existing.get(answer_id, {})
        mine = {t for t in have if t in allowed}
        kept = {t for t in have if t not in allowed and t != marker_pk}  # retired or merged away
        if chosen is None:
            drop += [have[t] for t in mine]
            if not kept and marker_pk in have:
                drop.append(have[marker_pk])
            if mine or (not kept and marker_pk in have):
                changed.add(answer_id)
            continue
        assert marker_pk is not None  # made above: this answer is coded
        wanted = chosen & allowed
        drop += [have[t] for t in mine - wanted]
        add += [Coding(answer_id=answer_id, theme_id=t, coder=coder) for t in sorted(wanted - mine)]
        if marker_pk not in have:
            add.append(Coding(answer_id=answer_id, theme_id=marker_pk, coder=coder))
        if wanted != mine or marker_pk not in have:
            changed.add(answer_id)
    Coding.objects.filter(pk__in=drop).delete()
    Coding.objects.bulk_create(add)
    refresh_final(changed)
    return len(changed)


NOT_CODED = "not coded"


def posted_id(text: str) -> int | None:
    """A record id as a page posts it: ASCII digits that fit a database id, else None (text, a NUL,
    "1e3", "²" are no id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def id_list(ids: Iterable[int]) -> str:
    """Ids as a page posts them back in one field: sorted, comma-separated."""
    return ",".join(str(i) for i in sorted(ids))


def read_id_list(text: str) -> set[int]:
    """The ids of an ``id_list``; ValueError if any part is not an id."""
    found = {posted_id(part) for part in text.split(",") if part}
    if None in found:
        raise ValueError("not a list of ids")
    return {i for i in found if i is not None}


def coding_stamp(theme_ids: set[int] | None) -> str:
    """The coder's stored coding of an answer as the coding page shows it and posts it back
    (``shown_<answer id>``): "not coded", or "coded:" and the theme ids (retired ones included), so
    that a save from a page shown before another change of it can be refused (save_page_coding)."""
    if theme_ids is None:
        return NOT_CODED
    return "coded:" + id_list(theme_ids)


def read_stamp(stamp: str) -> set[int] | None:
    """The coding a stamp (coding_stamp) stands for; ValueError if it is not a stamp."""
    if stamp == NOT_CODED:
        return None
    if not stamp.startswith("coded:"):
        raise ValueError("not a coding stamp")
    return read_id_list(stamp[len("coded:") :])


def _following(merged: Mapping[int, int | None], theme_id: int) -> int:
    """The theme a theme's codings are under now: the one it was merged into, if it was (merging
    points every earlier merge at the last theme, so one step is enough)."""
    return merged.get(theme_id) or theme_id


@dataclass(frozen=True)
class PageSaved:
    changed: int  # answers whose coding changed
    refused: dict[int, str] = field(default_factory=dict)  # {answer id: why it was not saved}


@transaction.atomic
def save_page_coding(
    round_: Round,
    question: Question,
    coder: User,
    judgements: Mapping[int, set[int] | None],
    shown: Mapping[int, str],
    offered_shown: set[int] | None = None,
) -> PageSaved:
    """Save the coding page: ``judgements`` as for save_coding (theme ids may be any posted), with
    ``shown`` the stamp (coding_stamp) of the coder's stored coding of each answer the page showed
    and ``offered_shown`` the themes it offered as checkboxes. Per answer, under the codebook's and
    the answers' locks: one posted as it was shown is left alone (a page left open never undoes
    what another window saved since); one whose stored coding changed since the page was shown
    (a merge followed) is refused, naming the council, and so is one newly given a theme no longer
    offered; any other is saved, a theme merged meanwhile counted as the theme it was merged into.
    An answer without a stamp (a script) is saved as save_coding does."""
    answers = dict(
        Answer.objects.filter(
            respondent__round=round_, question=question, pk__in=list(judgements)
        ).values_list("pk", "respondent__council")
    )
    codebook = find_codebook(round_, question.qid)
    if codebook is None or not answers:
        return PageSaved(save_coding(round_, question, coder, judgements))
    codebook = lock_codebook(codebook)
    _lock_answers(answers)
    themes = {
        pk: (label, merged, retired)
        for pk, label, merged, retired in themes_of(codebook).values_list(
            "pk", "label", "merged_into_id", "retired_at"
        )
    }
    merged = {pk: t[1] for pk, t in themes.items()}
    offered_now = {pk for pk, t in themes.items() if t[1] is None and t[2] is None}
    on_page = offered_now if offered_shown is None else offered_shown
    stored = own_coding(Answer.objects.filter(pk__in=list(answers)), coder)
    to_save: dict[int, set[int] | None] = {}
    refused: dict[int, str] = {}
    for answer_id, council in answers.items():
        posted = judgements[answer_id]
        if answer_id not in shown:
            to_save[answer_id] = posted
            continue
        try:
            stamp = read_stamp(shown[answer_id])
        except ValueError:
            refused[answer_id] = f"{council}'s answer could not be checked: reload the page and save again"
            continue
        # As the page showed it: the themes it had as checkboxes, and "None of these themes".
        as_shown = (stamp == set(), frozenset((stamp or set()) & on_page))
        if (posted == set(), frozenset(posted or ())) == as_shown:
            continue  # not touched on this page: what is stored now stays
        then = None if stamp is None else {_following(merged, t) for t in stamp}
        if stored.get(answer_id) != then:
            refused[answer_id] = (
                f"{council}'s answer was changed in another window since this page was shown: "
                "check it and save again"
            )
            continue
        if posted is None:
            to_save[answer_id] = None
            continue
        wanted: set[int] = set()
        for theme_id in posted:
            now = _following(merged, theme_id)
            if now not in offered_now and theme_id not in (stamp or set()):
                label = themes[theme_id][0] if theme_id in themes else ""
                refused[answer_id] = (
                    f"{council}'s answer: “{label}” is no longer offered for coding"
                    if label
                    else f"{council}'s answer: a theme ticked is no longer in the codebook"
                )
                break
            wanted.add(now)
        else:
            # Themes the page did not offer as checkboxes (retired ones the coder gave) stay.
            to_save[answer_id] = wanted | ((stored.get(answer_id) or set()) - on_page)
    changed = save_coding(round_, question, coder, to_save) if to_save else 0
    return PageSaved(changed, refused)


def refresh_final(answer_ids: Iterable[int]) -> None:
    """Make the final coding of these answers follow the rule (module docstring): a reconciled
    answer and one with a coding from before independent coding are left alone; any other answer's
    final coding becomes its first coder's coding. Call inside the transaction that changed the
    coders' rows (their answers locked)."""
    ids = set(answer_ids)
    if not ids:
        return
    reconciled = set(
        DoubleCoded.objects.filter(answer_id__in=ids, reconciled_at__isnull=False).values_list(
            "answer_id", flat=True
        )
    )
    earlier = set(
        Coding.objects.filter(answer_id__in=ids, final=True, coder__isnull=True).values_list(
            "answer_id", flat=True
        )
    )
    ids -= reconciled | earlier
    if not ids:
        return
    first = {answer_id: coders[0] for answer_id, coders in coders_of(ids).items()}
    Coding.objects.filter(answer_id__in=ids, final=True).delete()
    rows = Coding.objects.filter(answer_id__in=list(first), final=False).values_list(
        "answer_id", "coder_id", "theme_id"
    )
    Coding.objects.bulk_create(
        Coding(answer_id=answer_id, theme_id=theme_id, coder_id=coder_id, final=True)
        for answer_id, coder_id, theme_id in rows
        if first.get(answer_id) == coder_id
    )


@dataclass(frozen=True)
class Suggested:
    theme: Theme
    similar: int


def suggestions(
    round_: Round, question: Question, coder: User, rounds: QuerySet[Round], limit: int = 2000
) -> dict[int, list[Suggested]]:
    """Themes suggested for the answers of the round the coder has not coded, that nobody has a final
    coding for, and that are not in the double-coded sample (its coders code unprompted): from the
    coded answers to the same question in ``rounds`` (the coder's own coding where they coded it,
    else the final coding; at most ``limit``, the latest). See suggest.suggest."""
    codebook = find_codebook(round_, question.qid)
    if codebook is None:
        return {}
    active = {t.pk: t for t in offered(codebook)}
    if not active:
        return {}
    # A final coding awaiting reconciliation is its first coder's: never a source for another coder.
    judged = (Q(final=True) & ~awaiting_reconciliation("answer")) | Q(coder=coder, final=False)
    sources = Answer.objects.filter(
        respondent__round__in=rounds_sharing(codebook, rounds), question__qid=question.qid
    ).filter(Exists(Coding.objects.filter(judged, answer=OuterRef("pk"))))
    texts = dict(sources.order_by("-pk").values_list("pk", "answer")[:limit])
    own: dict[int, set[int]] = {}
    final: dict[int, set[int]] = {}
    rows = Coding.objects.filter(judged, answer_id__in=list(texts)).values_list(
        "answer_id", "theme_id", "final", "theme__label"
    )
    for answer_id, theme_id, is_final, label in rows:
        themes = (final if is_final else own).setdefault(answer_id, set())
        if label != CODED:
            themes.add(theme_id)
    coded = {pk: (text, own[pk] if pk in own else final.get(pk, set())) for pk, text in texts.items()}
    waiting = (
        answers_to(round_, question)
        .exclude(codings__final=True)
        .exclude(codings__coder=coder)
        .exclude(double_coding__isnull=False)
        .values_list("pk", "answer")
    )
    found = suggest.suggest(dict(waiting), coded)
    return {
        pk: [Suggested(active[s.theme], s.similar) for s in found_here if s.theme in active]
        for pk, found_here in found.items()
    }


# --- The double-coded sample ----------------------------------------------------------------------------

SIZE = re.compile(r"^\s*(\d{1,6})\s*(%?)\s*$")


def sample_size(text: str, total: int) -> int:
    """How many answers "12" or "20%" of ``total`` answers is (a share rounded up, so a sample is
    never smaller than asked); ValueError with the message to show if it is not a size from 1 to
    ``total``."""
    if total < 1:
        raise ValueError("There are no answers to this question yet")
    found = SIZE.match(text or "")
    if found is None:
        raise ValueError("Enter a number of answers, such as 10, or a share, such as 20%")
    value, share = int(found.group(1)), bool(found.group(2))
    if share:
        if not 1 <= value <= 100:
            raise ValueError("Enter a share from 1% to 100%")
        return max(1, (value * total + 99) // 100)
    if value < 1:
        raise ValueError("Enter a number of answers of 1 or more")
    if value > total:
        raise ValueError(f"There are only {total} answers to choose from")
    return value


def drawn(answer_ids: Iterable[int], size: int, seed: str, keep: Iterable[int] = ()) -> set[int]:
    """A reproducible random sample: ``keep`` (answers that must stay, such as reconciled ones) and
    as many more of ``answer_ids``, drawn by Python's random generator seeded with ``seed``, as make
    ``size``. The same answers, size and seed give the same sample."""
    kept = set(keep)
    rest = sorted(set(answer_ids) - kept)
    extra = max(0, min(size - len(kept), len(rest)))
    return kept | set(random.Random(seed).sample(rest, extra))


def _lock_sample(round_: Round, question: Question) -> dict[int, DoubleCoded]:
    """The round's sample for ``question`` by answer id, locked with the answers to the question
    (answers first, as every change of coding locks them): two leads changing the sample at once,
    or a lead and a coder, act one after the other."""
    _lock_answers(
        Answer.objects.filter(respondent__round=round_, question=question).values_list("pk", flat=True)
    )
    rows = DoubleCoded.objects.select_for_update(of=("self",)).filter(
        answer__respondent__round=round_, answer__question=question
    )
    return {row.answer_id: row for row in rows.order_by("pk")}


@transaction.atomic
def set_sample(round_: Round, question: Question, answer_ids: Iterable[int]) -> tuple[int, int]:
    """The round's double-coded sample for ``question`` becomes ``answer_ids`` (those of the round's
    answers to it). A reconciled answer cannot leave it. Returns (added, removed)."""
    wanted = set(
        Answer.objects.filter(
            respondent__round=round_, question=question, pk__in=list(answer_ids)
        ).values_list("pk", flat=True)
    )
    current = _lock_sample(round_, question)
    leaving = [row for answer_id, row in current.items() if answer_id not in wanted]
    stuck = [row for row in leaving if row.reconciled_at is not None]
    if stuck:
        councils = ", ".join(
            sorted(
                Answer.objects.filter(pk__in=[r.answer_id for r in stuck]).values_list(
                    "respondent__council", flat=True
                )
            )
        )
        raise ValidationError(f"Reconciled answers stay in the sample: {councils}")
    DoubleCoded.objects.filter(pk__in=[row.pk for row in leaving]).delete()
    adding = sorted(wanted - set(current))
    DoubleCoded.objects.bulk_create(DoubleCoded(answer_id=pk) for pk in adding)
    return len(adding), len(leaving)


@transaction.atomic
def set_sample_from_page(
    round_: Round, question: Question, on_page: set[int], ticked: set[int], shown: set[int]
) -> tuple[int, int]:
    """The sample page's ticks: of the answers it listed to tick (``on_page``), those ticked
    (``ticked``) are in the sample and the others not; ``shown``, the answers of the sample as the
    page showed them. If the sample has changed since (a draw, another lead), nothing is saved
    (StateChanged): a page left open never undoes a draw. Returns (added, removed)."""
    current = _lock_sample(round_, question)
    if set(current) != shown:
        raise StateChanged(
            "The sample was changed in another window since this page was shown: it is shown as it "
            "is now, check it and save again"
        )
    return set_sample(round_, question, (set(current) - on_page) | (ticked & on_page))


@transaction.atomic
def draw_sample(round_: Round, question: Question, size: int, draw: int = 1) -> tuple[int, int]:
    """A random sample of ``size`` answers (the reconciled ones kept), reproducible: the same round,
    question, size and draw number give the same sample."""
    current = _lock_sample(round_, question)
    keep = [answer_id for answer_id, row in current.items() if row.reconciled_at is not None]
    if size < len(keep):
        raise ValidationError(f"{len(keep)} answers have been reconciled and stay in the sample")
    ids = Answer.objects.filter(respondent__round=round_, question=question).values_list("pk", flat=True)
    return set_sample(round_, question, drawn(ids, size, f"{round_.slug}:{question.qid}:{draw}", keep))


# --- Agreement and reconciliation ---------------------------------------------------------------------


@dataclass
class Sampled:
    """An answer of the double-coded sample, with each coder's coding (first coder first)."""

    answer: Answer
    sample: DoubleCoded
    coders: list[User]
    codings: list[set[int]]  # theme ids, in the order of ``coders``
    final: set[int] | None  # theme ids of the final coding once reconciled, else None
    changed_since: bool = False  # a coder changed their coding after it was reconciled
    agreed: set[int] = field(default_factory=set)  # themes every coder gave it

    @property
    def double_coded(self) -> bool:
        return len(self.coders) >= 2

    @property
    def acceptable(self) -> bool:
        """Not reconciled yet, and its coders (two or more) agree on every theme: "Accept the
        answers on which the coders agree" reconciles it as they coded it (accept_agreed)."""
        return self.final is None and self.double_coded and not self.disagreement

    @property
    def disagreement(self) -> set[int]:
        """Themes some coders gave it and others did not."""
        if not self.codings:
            return set()
        first, *rest = self.codings
        return first.union(*rest) - first.intersection(*rest)

    @property
    def expected(self) -> str:
        """The state the page saw, posted back: when it was reconciled (blank if not yet), then
        each coder's coding: ``<reconciled_at>|<coder id>:<theme ids>;...`` (reconcile)."""
        at = self.sample.reconciled_at
        codings = ";".join(
            f"{coder.pk}:{id_list(themes)}" for coder, themes in zip(self.coders, self.codings, strict=True)
        )
        return f"{at.isoformat() if at else ''}|{codings}"


def _read_expected(expected: str) -> tuple[str, dict[int, set[int]] | None]:
    """(when reconciled, {coder id: theme ids}) from Sampled.expected; a bare time (a script from
    before the coders' codings were posted back) has no codings (None). ValueError if malformed."""
    at, bar, rest = expected.partition("|")
    if at:
        datetime.fromisoformat(at)  # ValueError if not a time
    if not bar:
        return at, None
    codings: dict[int, set[int]] = {}
    for part in (p for p in rest.split(";") if p):
        coder, colon, themes = part.partition(":")
        coder_id = posted_id(coder)
        if not colon or coder_id is None:
            raise ValueError("not a reconciliation state")
        codings[coder_id] = read_id_list(themes)
    return at, codings


def sampled(round_: Round, question: Question) -> list[Sampled]:
    """The round's double-coded sample of answers to ``question``, by council: a fixed number of
    queries whatever its size."""
    samples = {
        s.answer_id: s
        for s in DoubleCoded.objects.filter(answer__respondent__round=round_, answer__question=question)
        .select_related("answer__respondent", "reconciled_by")
        .order_by("answer__respondent__council", "pk")
    }
    ids = list(samples)
    order = coders_of(ids)
    users = {u.pk: u for u in User.objects.filter(pk__in={c for cs in order.values() for c in cs})}
    by: dict[tuple[int, int], set[int]] = {}
    latest: dict[int, datetime] = {}
    finals: dict[int, set[int]] = {}
    rows = Coding.objects.filter(answer_id__in=ids).values_list(
        "answer_id", "coder_id", "theme_id", "final", "coded_at", "theme__label"
    )
    for answer_id, coder_id, theme_id, is_final, at, label in rows:
        if is_final:
            if label != CODED:
                finals.setdefault(answer_id, set()).add(theme_id)
            continue
        if coder_id is None:
            continue
        themes = by.setdefault((answer_id, coder_id), set())
        if label != CODED:
            themes.add(theme_id)
        if answer_id not in latest or at > latest[answer_id]:
            latest[answer_id] = at
    out = []
    for answer_id, sample in samples.items():
        coder_ids = order.get(answer_id, [])
        codings = [by.get((answer_id, c), set()) for c in coder_ids]
        reconciled = sample.reconciled_at
        out.append(
            Sampled(
                answer=sample.answer,
                sample=sample,
                coders=[users[c] for c in coder_ids],
                codings=codings,
                final=finals.get(answer_id, set()) if reconciled else None,
                changed_since=bool(reconciled and answer_id in latest and latest[answer_id] > reconciled),
                agreed=codings[0].intersection(*codings[1:]) if codings else set(),
            )
        )
    return out


@dataclass
class AgreementReport:
    sample: int  # answers in the sample
    double_coded: int  # of them, coded by two coders or more
    more_than_two: int  # of them, coded by more than two (the first two compared)
    identical: int  # of the double-coded, those the first two coders coded alike on every theme
    themes: list[tuple[Theme, kappa.Agreement]]
    overall: kappa.Agreement


def agreement_for(round_: Round, question: Question, answers: list[Sampled] | None = None) -> AgreementReport:
    """Percent agreement and Cohen's kappa on the double-coded sample, per theme and overall. Each
    answer coded by two coders or more counts once, as the judgements of the first two to code it;
    merged themes have moved into the theme they were merged into. Per theme: every theme of the
    codebook not merged away. Overall (every answer-and-theme judgement pooled): only the themes in
    play, that is those offered for coding (neither retired nor merged) and those either of the two
    coders ticked for an answer of the sample, so a retired theme nobody used cannot inflate it."""
    answers = sampled(round_, question) if answers is None else answers
    pairs = [(s.codings[0], s.codings[1]) for s in answers if s.double_coded]
    codebook = find_codebook(round_, question.qid)
    themes = list(themes_of(codebook).filter(merged_into__isnull=True).order_by("label"))
    per_theme = [(t, kappa.agreement([(t.pk in a, t.pk in b) for a, b in pairs])) for t in themes]
    ticked: set[int] = set().union(*(a | b for a, b in pairs))
    return AgreementReport(
        sample=len(answers),
        double_coded=len(pairs),
        more_than_two=sum(1 for s in answers if len(s.coders) > 2),
        identical=sum(1 for a, b in pairs if a == b),
        themes=per_theme,
        overall=kappa.pooled(a for t, a in per_theme if t.retired_at is None or t.pk in ticked),
    )


def _reconcile_locked(sample: DoubleCoded, lead: User, theme_ids: set[int], marker: Theme) -> None:
    Coding.objects.filter(answer_id=sample.answer_id, final=True).delete()
    Coding.objects.bulk_create(
        [Coding(answer_id=sample.answer_id, theme=marker, coder=lead, final=True)]
        + [Coding(answer_id=sample.answer_id, theme_id=t, coder=lead, final=True) for t in sorted(theme_ids)]
    )
    sample.reconciled_at = timezone.now()
    sample.reconciled_by = lead
    sample.save(update_fields=["reconciled_at", "reconciled_by"])


def reconcilable(codebook: Codebook, answer_id: int) -> set[int]:
    """The themes the lead may choose for an answer's final coding: those offered, and any other of
    the codebook's (retired) a coder gave it."""
    given = Coding.objects.filter(
        answer_id=answer_id, theme__codebook=codebook, theme__merged_into__isnull=True
    )
    return set(offered(codebook).values_list("pk", flat=True)) | set(
        given.exclude(theme__label=CODED).values_list("theme_id", flat=True)
    )


@transaction.atomic
def reconcile(
    round_: Round, question: Question, answer_id: int, lead: User, theme_ids: set[int], expected: str
) -> None:
    """The lead's final coding of an answer in the double-coded sample. ``expected`` is the state
    the lead's page showed (``Sampled.expected``: when it was reconciled, blank if not yet, and each
    coder's coding; a bare time, as scripts post, checks the time only): if it has changed
    meanwhile (another reconciliation, a coder's change), nothing is saved (StateChanged); a theme
    merged meanwhile is followed, in the codings shown and in ``theme_ids``. Reconciling
    again is allowed when the page showed the reconciliation being changed. Under the locks it
    checks again that two coders have coded the answer (one may have uncoded it meanwhile)."""
    codebook = lock_codebook(codebook_for(round_, question))
    _lock_answers([answer_id])
    sample = (
        DoubleCoded.objects.select_for_update(of=("self",))
        .filter(answer_id=answer_id, answer__respondent__round=round_, answer__question=question)
        .select_related("answer__respondent")
        .first()
    )
    if sample is None:
        raise StateChanged("That answer is no longer in the double-coded sample.")
    council = sample.answer.respondent.council
    try:
        then, codings_then = _read_expected(expected)
    except ValueError:
        raise StateChanged(
            f"{council}'s answer: what the page showed of it could not be read back, so nothing was "
            "saved: it is shown as it is now, check it and reconcile again."
        ) from None
    now = sample.reconciled_at.isoformat() if sample.reconciled_at else ""
    if now != then:
        raise StateChanged(
            f"{council}'s answer was reconciled meanwhile: its final coding "
            "is shown, check it and change it if need be."
        )
    if len(coders_of([answer_id]).get(answer_id, [])) < 2:
        raise StateChanged(
            f"{council}'s answer is no longer coded by two coders: a coder "
            "has taken their coding back meanwhile."
        )
    merged = dict(themes_of(codebook).values_list("pk", "merged_into_id"))
    if codings_then is not None:
        # The coders' codings as the page showed them, a merge made since followed.
        shown = {c: {_following(merged, t) for t in ts} for c, ts in codings_then.items()}
        stored = _themes_by(
            Coding.objects.filter(answer_id=answer_id, final=False, coder__isnull=False).values_list(
                "coder_id", "theme_id", "theme__label"
            )
        )
        if shown != stored:
            raise StateChanged(
                f"{council}'s answer: a coder has changed their coding since this page was shown: "
                "the codings now are shown, check them and reconcile again."
            )
    allowed = reconcilable(codebook, answer_id)
    wanted = {_following(merged, t) for t in theme_ids}  # a theme merged meanwhile: the one it went into
    _reconcile_locked(sample, lead, wanted & allowed, _marker(codebook))


@transaction.atomic
def accept_agreed(
    round_: Round, question: Question, lead: User, shown: dict[int, str] | None = None
) -> tuple[int, int]:
    """Reconcile every answer of the sample not yet reconciled whose coders (two or more) agree on
    every theme, as they coded it. ``shown`` is what the lead's page showed of those answers
    ({answer id: Sampled.expected}): only an answer still exactly as shown is reconciled, so a
    coder's change made since (even one they still agree on) is never accepted unseen; without it
    (a script), every such answer is. Returns (reconciled, left because changed since shown)."""
    codebook = lock_codebook(codebook_for(round_, question))
    marker = _marker(codebook)
    locked = _lock_sample(round_, question)
    done = left = 0
    for s in sampled(round_, question):  # read under the locks
        if shown is not None and s.answer.pk not in shown:
            continue
        if s.acceptable and (shown is None or shown[s.answer.pk] == s.expected):
            _reconcile_locked(locked[s.answer.pk], lead, s.agreed, marker)
            done += 1
        elif shown is not None:
            left += 1  # changed, reconciled, uncoded or disputed since the page was shown
    return done, left


# --- Quotes -------------------------------------------------------------------------------------------

# A cut in an excerpt: "...", "…", or either in square brackets.
CUT = re.compile(r"\s*(?:\[\s*(?:\.\.\.|\u2026)\s*\]|\.\.\.|\u2026)\s*")
SPACE = re.compile(r"\s+")


def _spaced(text: str) -> str:
    return SPACE.sub(" ", text).strip()


def _find_whole(text: str, fragment: str, start: int) -> int:
    """Where ``fragment`` is in ``text`` from ``start`` without cutting a word at either end, or -1."""
    at = text.find(fragment, start)
    while at != -1:
        end = at + len(fragment)
        cuts_in = at > 0 and text[at - 1].isalnum() and fragment[0].isalnum()
        cuts_out = end < len(text) and text[end].isalnum() and fragment[-1].isalnum()
        if not cuts_in and not cuts_out:
            return at
        at = text.find(fragment, at + 1)
    return -1


def check_excerpt(text: str, excerpt: str) -> str:
    """The excerpt as it is kept (runs of spaces and line breaks as one space), if it is the
    answer's own words: one part of the answer, or several in their order with the words cut out
    marked "..." (or "…", "[...]"), each part starting and ending at a whole word. ValueError with
    the message to show if not."""
    answer = _spaced(text)
    kept = _spaced(excerpt)
    parts = [p for p in (_spaced(p) for p in CUT.split(kept)) if p]
    if not any(ch.isalnum() for p in parts for ch in p):
        raise ValueError("Enter the words from the answer to quote")
    at = 0
    for part in parts:
        found = _find_whole(answer, part, at)
        if found == -1:
            if _find_whole(answer, part, 0) != -1:
                raise ValueError(
                    f"“{part}” comes before the words quoted ahead of it: keep the answer's order"
                )
            if part in answer:
                raise ValueError(f"“{part}” cuts a word in two: start and end each part at a whole word")
            raise ValueError(
                f"“{part}” is not in the answer: quote its words exactly, marking words left out with ..."
            )
        at = found + len(part)
    return kept


def quotable(round_: Round, question: Question, theme: Theme) -> QuerySet[Answer]:
    """The round's answers to ``question`` whose final coding carries ``theme``."""
    return answers_to(round_, question).filter(codings__final=True, codings__theme=theme).distinct()


@transaction.atomic
def choose_quote(
    round_: Round,
    question: Question,
    answer_id: int,
    theme: Theme,
    excerpt: str,
    lead: User,
    expected: str | None = None,
) -> Quote:
    """The lead's quote for a theme from an answer that carries it (in its final coding); the same
    answer chosen again for the theme changes the excerpt. ValidationError if the excerpt is not the
    answer's words or the answer does not carry the theme. ``expected``: the quote the page showed
    for that answer and theme ("" for none); if the stored one is not that any more (another lead,
    or a merge moving a quote in), nothing is saved (StateChanged)."""
    lock_codebook(theme.codebook_id)  # a merge moving quotes waits, and so does another lead's choice
    if Theme.objects.filter(pk=theme.pk, merged_into__isnull=True).first() is None:
        raise StateChanged("This theme has been merged into another since this page was shown")
    answer = quotable(round_, question, theme).filter(pk=answer_id).first()
    if answer is None:
        raise ValidationError({"answer": "Choose an answer that carries this theme"})
    try:
        kept = check_excerpt(answer.answer, excerpt)
    except ValueError as exc:
        raise ValidationError({"excerpt": str(exc)}) from exc
    quote = Quote.objects.select_for_update().filter(answer=answer, theme=theme).first()
    stored = quote.excerpt if quote is not None else ""
    if expected is not None and _spaced(expected) != stored:
        raise StateChanged(
            f"The quote from {answer.respondent.council}'s answer was changed in another window since "
            "this page was shown: its quote now is shown, check it and choose again"
        )
    if quote is None:
        return Quote.objects.create(answer=answer, theme=theme, excerpt=kept, chosen_by=lead)
    quote.excerpt, quote.chosen_by = kept, lead
    quote.save(update_fields=["excerpt", "chosen_by"])
    return quote


@transaction.atomic
def remove_quote(quote: Quote) -> None:
    Quote.objects.filter(pk=quote.pk).delete()


def quotes_for(round_: Round, question: Question) -> QuerySet[Quote]:
    return (
        Quote.objects.filter(answer__respondent__round=round_, answer__question=question)
        .select_related("answer__respondent", "theme")
        .order_by("theme__label", "chosen_at", "pk")
    )


# --- What the report counts ---------------------------------------------------------------------------


def final_codings(answers: Iterable[Answer] | Any) -> Any:
    """The final coding of ``answers`` (a queryset of answers): the final themes (never the coded
    marker), those of sampled answers not yet reconciled included (their first coder's)."""
    return Coding.objects.filter(answer__in=answers, final=True).exclude(theme__label=CODED)


def awaiting_reconciliation(answer: str = "pk") -> Exists:
    """The answer (``answer``: the outer query's reference to it) is in the double-coded sample and
    not reconciled yet. Until then its final coding is its first coder's, which the second coder must
    not see: every count, library and report shown leaves such an answer out (docs, "Independence")."""
    return Exists(DoubleCoded.objects.filter(answer=OuterRef(answer), reconciled_at__isnull=True))


def counted_codings(answers: Iterable[Answer] | Any) -> Any:
    """The final codings shown and counted (codebook page, good practice library, report): those of
    ``answers`` not awaiting reconciliation."""
    return final_codings(answers).exclude(awaiting_reconciliation("answer"))


def _theme_key() -> Any:
    """A theme's name as themes of different codebooks are matched: trimmed, in lower case."""
    return Lower(Trim("theme__label"))


def _open(rounds: Sequence[Round], respondents: Any = None) -> QuerySet[Answer]:
    answers = Answer.objects.filter(respondent__round__in=list(rounds), question__type="open")
    if respondents is not None:
        answers = answers.filter(respondent__in=respondents)
    return answers


def _frequencies(answers: QuerySet[Answer]) -> tuple[dict[str, int], dict[str, dict[str, dict[str, Any]]]]:
    """({qid: responses}, {qid: {label in lower case: {"theme", "definition", "count"}}}): two
    GROUP BY queries. Themes of different codebooks (a national round merged with a regional one)
    with the same name, whatever the case, are one theme: grouped by that name in the database and
    counted as distinct answers, so an answer is never counted twice for one name. Answers awaiting
    reconciliation are left out of every count (``counted_codings``)."""
    totals = {r["question__qid"]: r["n"] for r in answers.values("question__qid").annotate(n=Count("pk"))}
    counted = (
        counted_codings(answers)
        .annotate(key=_theme_key())
        .values("answer__question__qid", "key")
        .annotate(
            n=Count("answer", distinct=True), label=Min("theme__label"), definition=Max("theme__definition")
        )
        .order_by("answer__question__qid", "key")
    )
    themes: dict[str, dict[str, dict[str, Any]]] = {}
    for row in counted:
        themes.setdefault(row["answer__question__qid"], {})[row["key"]] = {
            "theme": row["label"],
            "definition": row["definition"] or "",
            "count": row["n"],
        }
    return totals, themes


def awaiting_counts(answers: QuerySet[Answer]) -> dict[str, int]:
    """{qid: answers awaiting reconciliation}: in the responses but in no theme's count yet, so out
    of the base of every share too (open_answers and theme_comparison alike)."""
    return {
        r["answer__question__qid"]: r["n"]
        for r in DoubleCoded.objects.filter(answer__in=answers, reconciled_at__isnull=True)
        .values("answer__question__qid")
        .annotate(n=Count("pk"))
    }


def open_answers(rounds: list[Round], respondents: Any = None) -> dict[str, dict[str, Any]]:
    """For each open question asked in ``rounds`` (of ``respondents`` if given, a queryset): the
    number of responses, and each theme's frequency (number, percent, words) and chosen quotes:
    {qid: {"responses": n, "themes": [{"theme", "definition", "count", "percent", "in_words",
    "quotes": [{"text", "council"}]}], "unreconciled": n}}. A council is named beside a quote only
    where it agreed. A quote is shown only while its answer's final coding carries the theme.
    "unreconciled": answers of the double-coded sample the lead has not reconciled: they are in
    "responses" but in no theme's count (nor quoted) until the lead reconciles them, and each theme's
    percent is of "counted" (the responses less those)."""
    answers = _open(rounds, respondents)
    totals, themes = _frequencies(answers)
    carried = Coding.objects.filter(answer=OuterRef("answer"), theme=OuterRef("theme"), final=True)
    quotes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for q in (
        Quote.objects.filter(answer__in=answers)
        .filter(Exists(carried))
        .exclude(awaiting_reconciliation("answer"))
        .annotate(key=_theme_key())
        .select_related("answer__respondent", "answer__question", "theme")
        .order_by("chosen_at", "pk")
    ):
        quotes.setdefault((q.answer.question.qid, q.key), []).append(
            {"text": q.excerpt, "council": q.answer.respondent.council if q.answer.may_name_council else None}
        )
    waiting = awaiting_counts(answers)
    out: dict[str, dict[str, Any]] = {}
    for qid, n in totals.items():
        # A theme's share is of the responses counted: those awaiting reconciliation are in no
        # theme's count yet, so they are out of the base too (else every share would look lower).
        counted = n - waiting.get(qid, 0)
        rows = []
        for key, entry in themes.get(qid, {}).items():
            pct = percent(entry["count"], counted)
            rows.append(
                {**entry, "percent": pct, "in_words": in_words(pct), "quotes": quotes.get((qid, key), [])}
            )
        rows.sort(key=lambda r: (-r["count"], r["theme"].lower()))
        out[qid] = {"responses": n, "counted": counted, "themes": rows, "unreconciled": waiting.get(qid, 0)}
    return out


def theme_comparison(
    rounds: Sequence[Round],
    other_rounds: Sequence[Round],
    respondents: Any = None,
    other_respondents: Any = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each theme's frequency in ``rounds`` beside its frequency in ``other_rounds``, for every open
    question with responses in both: {qid: [{"theme", "count", "percent", "other_count",
    "other_percent", "change"}]}, themes matched by name (whatever the case), most frequent here
    first. ``change`` is in percentage points (here minus there), None where either is not known.
    A theme found in one scope only has a count of 0 in the other. Each percent is of the responses
    counted, as in open_answers: "counted" ("other_counted") is the responses less the
    "unreconciled" ("other_unreconciled") answers awaiting reconciliation, which are in no count."""
    answers, other_answers = _open(rounds, respondents), _open(other_rounds, other_respondents)
    totals, here = _frequencies(answers)
    other_totals, there = _frequencies(other_answers)
    waiting, other_waiting = awaiting_counts(answers), awaiting_counts(other_answers)
    out: dict[str, list[dict[str, Any]]] = {}
    for qid in sorted(set(totals) & set(other_totals)):
        rows = []
        mine, theirs = here.get(qid, {}), there.get(qid, {})
        counted = totals[qid] - waiting.get(qid, 0)
        other_counted = other_totals[qid] - other_waiting.get(qid, 0)
        for key in set(mine) | set(theirs):
            count = mine.get(key, {}).get("count", 0)
            other = theirs.get(key, {}).get("count", 0)
            pct, other_pct = percent(count, counted), percent(other, other_counted)
            rows.append(
                {
                    "theme": (mine.get(key) or theirs[key])["theme"],
                    "count": count,
                    "percent": pct,
                    "other_count": other,
                    "other_percent": other_pct,
                    "change": None if pct is None or other_pct is None else pct - other_pct,
                    "counted": counted,
                    "other_counted": other_counted,
                    "unreconciled": waiting.get(qid, 0),
                    "other_unreconciled": other_waiting.get(qid, 0),
                }
            )
        rows.sort(key=lambda r: (-r["count"], -r["other_count"], r["theme"].lower()))
        out[qid] = rows
    return out


def good_practice(
    rounds: QuerySet[Round], theme: str = "", region: str = ""
) -> tuple[QuerySet[Answer], list[str]]:
    """Named examples: the open answers of ``rounds`` whose council agreed to be named and whose
    final coding carries a theme (``theme``: that one, by name), optionally of one region; and the
    names of the themes there are examples of. An answer awaiting reconciliation is not listed (its
    final coding is still its first coder's, which the second coder must not see)."""
    finals = Coding.objects.filter(final=True).exclude(theme__label=CODED)
    named = Answer.objects.filter(respondent__round__in=rounds, may_name_council=True).exclude(
        awaiting_reconciliation()
    )
    carried = finals.filter(answer=OuterRef("pk"))
    if theme:
        carried = carried.filter(theme__label__iexact=theme)
    answers = named.filter(Exists(carried))
    if region:
        answers = answers.filter(respondent__region__iexact=region)
    answers = (
        answers.select_related("respondent__round", "question")
        .prefetch_related(
            Prefetch(
                "codings",
                queryset=finals.select_related("theme").order_by("theme__label"),
                to_attr="final_themes",
            )
        )
        .order_by("respondent__council", "pk")
    )
    labels = finals.filter(answer__in=named).values_list("theme__label", flat=True).distinct()
    return answers, sorted(set(labels), key=str.lower)
