"""Coding open answers that two people can trust (issue 16, item 6; docs/tempcheck-coding.md):
codebooks with definitions and history, each coder's own coding, the double-coded sample,
percent agreement and Cohen's kappa, reconciliation under a lock, chosen quotes, theme frequencies
compared across rounds, suggestions computed locally, and the good-practice library.

The world (users, rounds, answers, a codebook) is built once for the module; each test's own
changes are rolled back after it. Migration 0004 is tested in test_tempcheck_coding_migration.py
(it changes the schema, so it cannot share this module's transaction).
"""

from __future__ import annotations

import html
import re
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.core.states import StateChanged
from msphub.tempcheck import agreement, coding, instruments, suggest
from msphub.tempcheck.models import (
    AggregateCount,
    Answer,
    Codebook,
    Coding,
    DoubleCoded,
    Quote,
    Respondent,
    Round,
    Theme,
)
from tests.conftest import _user, per_test

pytestmark = pytest.mark.django_db

Q = "msp_meaning"
LONDON_ANSWERS = {
    "Camden": ("Putting the person at the centre and asking what outcomes they want", True),
    "Hackney": ("Asking people about the outcomes they want from safeguarding", False),
    "Islington": ("Listening to people and hearing their voice", True),
    "Barnet": ("A culture change for the whole workforce", False),
    "Croydon": ("Listening carefully to what people tell us about outcomes", False),
    "Lambeth": ("Outcomes that people want, asked at the start of every enquiry", True),
}


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        w = SimpleNamespace()
        london_net = Organisation.objects.create(name="London network", kind="network", region="London")
        nw_net = Organisation.objects.create(name="North West network", kind="network", region="North West")
        national_net = Organisation.objects.create(
            name="National network", kind="network", region="", national=True
        )
        council = Organisation.objects.create(name="Camden Council", kind="council", region="London")
        w.lead = _user("rhiannon_lead", london_net, Role.REGIONAL_LEAD)
        w.nw_lead = _user("nina_nwlead", nw_net, Role.REGIONAL_LEAD)
        w.national_lead = _user("nadia_nationallead", national_net, Role.REGIONAL_LEAD)
        w.iv1 = _user("ivan_interviewer", None, Role.INTERVIEWER)
        w.iv2 = _user("iris_interviewer", None, Role.INTERVIEWER)
        w.iv3 = _user("ian_interviewer", None, Role.INTERVIEWER)
        w.iv_other = _user("olga_interviewer", None, Role.INTERVIEWER)
        w.practitioner = _user("pat_practitioner", council, Role.PRACTITIONER)
        w.instrument = instruments.load_shipped()
        w.q = {q.qid: q for q in w.instrument.questions.all()}
        w.london = Round.objects.create(
            slug="london-2026", title="London 2026", instrument=w.instrument, region="London"
        )
        w.london.interviewers.add(w.iv1, w.iv2, w.iv3)
        w.london_old = Round.objects.create(
            slug="london-2016", title="London 2016", instrument=w.instrument, region="London"
        )
        w.national = Round.objects.create(slug="england-2026", title="England 2026", instrument=w.instrument)
        w.baseline = Round.objects.create(
            slug="baseline-2015", title="Evaluation 2014/15", instrument=w.instrument, region="London",
            aggregate_only=True,
        )  # fmt: skip
        AggregateCount.objects.create(
            round=w.baseline, question=w.q["strategy_fit"], category="Other", count=1, base=1
        )
        w.a = {}
        for n, (council_name, (text, named)) in enumerate(LONDON_ANSWERS.items(), start=1):
            r = Respondent.objects.create(
                round=w.london, respondent_id=f"L-{n:03d}", council=council_name, region="London"
            )
            w.a[council_name] = Answer.objects.create(
                respondent=r, question=w.q[Q], answer=text, may_name_council=named
            )
        leeds = Respondent.objects.create(
            round=w.national, respondent_id="N-001", council="Leeds", region="Yorkshire"
        )
        w.leeds = Answer.objects.create(
            respondent=leeds, question=w.q[Q], answer="Leeds listens to people first", may_name_council=True
        )
        w.old = {}
        for n, (council_name, text) in enumerate(
            [("Camden", "Outcomes for people"), ("Hackney", "Listening"), ("Barnet", "Outcomes again")], 1
        ):
            r = Respondent.objects.create(
                round=w.london_old, respondent_id=f"O-{n}", council=council_name, region="London"
            )
            w.old[council_name] = Answer.objects.create(respondent=r, question=w.q[Q], answer=text)
        w.codebook = Codebook.objects.create(region="London", qid=Q)
        w.themes = {
            label: Theme.objects.create(codebook=w.codebook, label=label, definition=f"{label}: as it says")
            for label in ("Person-led", "Outcomes", "Listening")
        }
        w.retired = Theme.objects.create(
            codebook=w.codebook, label="Old wording", retired_at="2026-01-01T00:00Z"
        )
        # The older round's final coding (as migration 0004 left it: no coder).
        for council_name, label in (("Camden", "Outcomes"), ("Hackney", "Listening"), ("Barnet", "Outcomes")):
            Coding.objects.create(answer=w.old[council_name], theme=w.themes[label], final=True)
        national_book = Codebook.objects.create(region="", qid=Q)
        w.national_theme = Theme.objects.create(codebook=national_book, label="Listening")
        Coding.objects.create(answer=w.leeds, theme=w.national_theme, final=True)
    return w


@pytest.fixture
def w(world_once) -> SimpleNamespace:
    return per_test(world_once)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, w, *extra, round_=None, qid: str = Q) -> str:
    return reverse(f"tempcheck:{name}", args=[(round_ or w.london).slug, qid, *extra])


def _body(response) -> str:
    return response.content.decode()


def _code(w, coder: User, answer: Answer, *labels: str) -> None:
    """``coder`` codes ``answer`` with the themes named (none: "None of these themes")."""
    coding.save_coding(w.london, w.q[Q], coder, {answer.pk: {w.themes[label].pk for label in labels}})


def _mine(coder: User, answer: Answer) -> set[str]:
    return set(
        Coding.objects.filter(answer=answer, coder=coder, final=False)
        .exclude(theme__label=coding.CODED)
        .values_list("theme__label", flat=True)
    )


def _final(answer: Answer) -> set[str]:
    return set(
        coding.final_codings(Answer.objects.filter(pk=answer.pk)).values_list("theme__label", flat=True)
    )


def _snapshot() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Coding, Theme, Codebook, DoubleCoded, Quote, Theme.history.model)
    )


# --- Percent agreement and Cohen's kappa (pure) -------------------------------------------------------------

# The worked example in docs/tempcheck-coding.md: ten answers, two coders. "Outcomes": the first coder
# ticked answers 1-5, the second 1-4 and 6. "Listening": neither coder ticked it anywhere.
FIRST = [True] * 5 + [False] * 5
SECOND = [True] * 4 + [False, True] + [False] * 4
OUTCOMES = list(zip(FIRST, SECOND, strict=True))
LISTENING = [(False, False)] * 10


def test_kappa_on_the_worked_example():
    figures = agreement.agreement(OUTCOMES)
    assert (figures.both, figures.first_only, figures.second_only, figures.neither) == (4, 1, 1, 4)
    assert figures.percent == 80
    # p_o = 8/10; each coder ticked half, so p_e = 0.5 x 0.5 + 0.5 x 0.5 = 0.5; (0.8 - 0.5) / 0.5 = 0.6.
    assert figures.kappa == Fraction(3, 5)
    assert agreement.show_kappa(figures.kappa) == "0.60" and agreement.in_words(figures.kappa) == "moderate"


def test_kappa_is_not_defined_when_neither_coder_varies_and_zero_when_one_does_not():
    figures = agreement.agreement(LISTENING)
    assert figures.percent == 100 and figures.kappa is None
    assert agreement.show_kappa(figures.kappa) == "not defined"
    assert agreement.cohen_kappa([(True, True)] * 3) is None
    # One coder never ticks it, the other does once: as good as chance.
    assert agreement.cohen_kappa([(False, True)] + [(False, False)] * 4) == 0
    assert agreement.cohen_kappa([]) is None and agreement.agreement([]).percent is None


def test_overall_agreement_pools_every_judgement():
    overall = agreement.pooled([agreement.agreement(OUTCOMES), agreement.agreement(LISTENING)])
    # 20 judgements, 18 alike; each coder ticked 5 of 20: p_e = 0.25^2 + 0.75^2 = 0.625.
    assert overall.n == 20 and overall.percent == 90
    assert overall.kappa == Fraction(11, 15)
    assert agreement.show_kappa(overall.kappa) == "0.73"
    assert agreement.show_percent(overall.percent) == "90%"


@pytest.mark.parametrize(
    ("kappa", "shown", "words"),
    [
        (Fraction(-1, 4), "-0.25", "poor"),
        (Fraction(-1, 1000), "0.00", "poor"),
        (Fraction(0), "0.00", "slight"),
        (Fraction(1, 5), "0.20", "slight"),
        (Fraction(201, 1000), "0.20", "fair"),
        (Fraction(1, 200), "0.01", "slight"),
        (Fraction(4, 5), "0.80", "substantial"),
        (Fraction(1), "1.00", "almost perfect"),
    ],
)
def test_kappa_shown_and_in_words(kappa, shown, words):
    assert agreement.show_kappa(kappa) == shown
    assert agreement.in_words(kappa) == words


judgements = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60)


@given(judgements)
def test_kappa_is_between_minus_one_and_one_and_symmetric(pairs):
    kappa = agreement.cohen_kappa(pairs)
    swapped = agreement.cohen_kappa([(b, a) for a, b in pairs])
    assert kappa == swapped
    if kappa is not None:
        assert -1 <= kappa <= 1
    figures = agreement.agreement(pairs)
    assert figures.percent is not None and 0 <= figures.percent <= 100


@given(st.lists(st.booleans(), min_size=1, max_size=60))
def test_kappa_is_one_for_identical_coding_unless_not_defined(ticks):
    kappa = agreement.cohen_kappa([(t, t) for t in ticks])
    if all(ticks) or not any(ticks):
        assert kappa is None
    else:
        assert kappa == 1


# --- Suggestions (pure) ---------------------------------------------------------------------------------


def test_words_are_stemmed_and_stop_words_dropped():
    assert suggest.words("The Outcomes people want") == ["outcom", "peopl", "want"]
    assert suggest.stem("outcomes") == suggest.stem("outcome") == suggest.stem("Outcome".lower())
    assert suggest.stem("listening") == suggest.stem("listen") == "listen"
    assert suggest.stem("values") == suggest.stem("valued") == suggest.stem("value")
    assert suggest.stem("studies") == "study" and suggest.stem("process") == "process"
    assert suggest.words("Safeguarding is MSP") == []


texts = st.text(alphabet=st.sampled_from("abc dEf outcomes listen, people."), max_size=80)


@given(texts, texts)
def test_similarity_is_between_zero_and_one_and_symmetric(a, b):
    s = suggest.similarity(a, b)
    assert 0 <= s <= 1
    assert abs(s - suggest.similarity(b, a)) < 1e-9
    if suggest.words(a):
        assert suggest.similarity(a, a) == pytest.approx(1)


def test_suggest_names_the_themes_of_the_most_similar_coded_answers():
    coded = {
        1: ("Asking people about the outcomes they want", [10]),
        2: ("Outcomes people want at the start", [10, 11]),
        3: ("A culture change for the workforce", [12]),
    }
    found = suggest.suggest({4: "The outcomes that people want", 5: "Bananas and pears"}, coded)
    assert [(s.theme, s.similar) for s in found[4]][0] == (10, 2)
    assert 5 not in found, "no coded answer is like it: no suggestion"
    assert suggest.suggest({4: "outcomes"}, {}) == {}


# --- Sample sizes, draws and excerpts (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "total", "size"), [("10", 12, 10), (" 3 ", 6, 3), ("20%", 12, 3), ("100%", 7, 7), ("1%", 5, 1)]
)
def test_sample_size_is_a_number_or_a_share_rounded_up(text, total, size):
    assert coding.sample_size(text, total) == size


@pytest.mark.parametrize(
    ("text", "total", "message"),
    [
        ("", 6, "Enter a number of answers, such as 10, or a share, such as 20%"),
        ("ten", 6, "Enter a number of answers"),
        ("1.5", 6, "Enter a number of answers"),
        ("0", 6, "Enter a number of answers of 1 or more"),
        ("7", 6, "There are only 6 answers to choose from"),
        ("0%", 6, "Enter a share from 1% to 100%"),
        ("150%", 6, "Enter a share from 1% to 100%"),
        ("2\x00", 6, "Enter a number of answers"),
        ("3", 0, "There are no answers to this question yet"),
    ],
)
def test_sample_size_refuses_what_is_not_a_size(text, total, message):
    with pytest.raises(ValueError, match=message.replace("%", "%")):
        coding.sample_size(text, total)


@given(st.integers(1, 100), st.integers(1, 500))
def test_a_share_is_never_less_than_asked_and_never_more_than_all(share, total):
    size = coding.sample_size(f"{share}%", total)
    assert 1 <= size <= total
    assert size * 100 >= share * total
    assert (size - 1) * 100 < share * total or size == 1


@given(st.sets(st.integers(1, 10_000), max_size=40), st.integers(0, 45), st.text(max_size=8))
def test_a_draw_is_reproducible_and_keeps_what_must_stay(ids, size, seed):
    keep = set(sorted(ids)[:2])
    first = coding.drawn(ids, size, seed, keep)
    assert first == coding.drawn(sorted(ids, reverse=True), size, seed, keep)
    assert keep <= first <= ids
    assert len(first) == max(len(keep), min(size, len(ids)))


ANSWER = "We listen to people. Outcomes matter, and we ask what people want at the start."


@pytest.mark.parametrize(
    "excerpt",
    [
        "Outcomes matter",
        "We listen to people. ... we ask what people want",
        "...we ask what people want at the start.",
        "We listen [...] what people want",
        "We listen \u2026 at the start.",
        "  Outcomes\n matter ",
    ],
)
def test_an_excerpt_of_the_answers_words_is_accepted(excerpt):
    assert coding.check_excerpt(ANSWER, excerpt)


@pytest.mark.parametrize(
    ("excerpt", "message"),
    [
        ("Outcomes matter a lot", "is not in the answer"),
        ("what people want ... We listen", "comes before the words quoted ahead of it"),
        ("isten to people", "cuts a word in two"),
        ("...", "Enter the words from the answer to quote"),
        ("outcomes matter", "is not in the answer"),
    ],
)
def test_an_excerpt_that_is_not_the_answers_words_is_refused(excerpt, message):
    with pytest.raises(ValueError, match=message):
        coding.check_excerpt(ANSWER, excerpt)


words_list = st.lists(st.from_regex(r"[A-Za-z]{1,8}[,.]?", fullmatch=True), min_size=4, max_size=20)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(words_list, st.data())
def test_whole_word_parts_in_order_are_always_accepted(words, data):
    text = " ".join(words)
    i, j = sorted(data.draw(st.lists(st.integers(0, len(words)), min_size=2, max_size=2)))
    if i == j:
        j = min(len(words), i + 1)
        i = j - 1
    part = " ".join(words[i:j])
    assert coding.check_excerpt(text, part) == part
    k = data.draw(st.integers(j, len(words)))
    if k < len(words):
        rest = " ".join(words[k:])
        assert coding.check_excerpt(text, f"{part} ... {rest}") == f"{part} ... {rest}"


# --- The coding page: each coder's own coding ---------------------------------------------------------


def test_a_coder_sees_and_saves_only_their_own_coding(w, module_db):
    camden, hackney = w.a["Camden"], w.a["Hackney"]
    _code(w, w.iv2, camden, "Person-led")
    page = _url("coding", w)
    outcomes, person = w.themes["Outcomes"], w.themes["Person-led"]
    body = _body(_as(w.iv1).get(page))
    assert (
        f'id="theme-{person.pk}-{camden.pk}" name="theme_{person.pk}" type="checkbox" value="{camden.pk}">'
        in body
    )
    assert "Coded by you" not in body
    shown = [a.pk for a in w.a.values()]
    response = _as(w.iv1).post(
        page,
        {
            "shown": shown,
            f"theme_{outcomes.pk}": [camden.pk, hackney.pk],
            f"theme_{person.pk}": [hackney.pk],
            "none": [w.a["Barnet"].pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == page
    assert _mine(w.iv1, camden) == {"Outcomes"} and _mine(w.iv1, hackney) == {"Outcomes", "Person-led"}
    assert _mine(w.iv1, w.a["Barnet"]) == set()
    assert Coding.objects.filter(answer=w.a["Barnet"], coder=w.iv1, theme__label=coding.CODED).exists()
    assert _mine(w.iv2, camden) == {"Person-led"}, "the other coder's coding is untouched"
    # The final coding is the first coder's: iv2's for Camden, iv1's for Hackney and Barnet.
    assert _final(camden) == {"Person-led"} and _final(hackney) == {"Outcomes", "Person-led"}
    assert _final(w.a["Barnet"]) == set()
    body = _body(_as(w.iv1).get(page))
    assert f'value="{camden.pk}" checked' in body and "You have coded 3 of 6 answers" in body
    body2 = _body(_as(w.iv2).get(page))
    assert f'name="theme_{outcomes.pk}" type="checkbox" value="{hackney.pk}">' in body2


def test_unticking_uncodes_and_the_next_coder_becomes_first(w, module_db):
    camden = w.a["Camden"]
    _code(w, w.iv1, camden, "Outcomes")
    _code(w, w.iv2, camden, "Listening")
    assert _final(camden) == {"Outcomes"}
    # iv1 changes their mind: still the first coder (their first coding is kept as the mark).
    _code(w, w.iv1, camden, "Person-led")
    assert _final(camden) == {"Person-led"}
    response = _as(w.iv1).post(_url("coding", w), {"shown": [camden.pk]})
    assert response.status_code == 302
    assert not Coding.objects.filter(answer=camden, coder=w.iv1).exists()
    assert _final(camden) == {"Listening"}, "iv2 is now the first (and only) coder"


def test_an_empty_post_changes_nothing(w, module_db):
    _code(w, w.iv1, w.a["Camden"], "Outcomes")
    before = _snapshot()
    assert _as(w.iv1).post(_url("coding", w), {}).status_code == 302
    assert _snapshot() == before


@pytest.mark.parametrize("bad", ["other round", "unknown theme", "nul", "retired theme"])
def test_the_coding_page_ignores_what_is_not_the_coders_to_tick(w, module_db, bad):
    camden = w.a["Camden"]
    data = {"shown": [camden.pk]}
    if bad == "other round":
        data = {"shown": [w.leeds.pk, w.old["Camden"].pk], f"theme_{w.themes['Outcomes'].pk}": [w.leeds.pk]}
    elif bad == "unknown theme":
        data[f"theme_{w.national_theme.pk}"] = [camden.pk]
        data["theme_999999"] = [camden.pk]
    elif bad == "nul":
        data = {"shown": [f"{camden.pk}\x00"], f"theme_{w.themes['Outcomes'].pk}": [f"{camden.pk}\x00", "x"]}
    else:
        data[f"theme_{w.retired.pk}"] = [camden.pk]
    before = set(Coding.objects.values_list("pk", flat=True))
    response = _as(w.iv1).post(_url("coding", w), data)
    assert response.status_code == 302
    themed = Coding.objects.exclude(pk__in=before).exclude(theme__label=coding.CODED)
    assert not themed.exists()
    assert not Coding.objects.filter(answer__in=[w.leeds, w.old["Camden"]], coder=w.iv1).exists()


def test_themes_and_none_together_are_refused_with_a_message(w, module_db):
    camden = w.a["Camden"]
    response = _as(w.iv1).post(
        _url("coding", w),
        {"shown": [camden.pk], f"theme_{w.themes['Outcomes'].pk}": [camden.pk], "none": [camden.pk]},
    )
    assert response.status_code == 200
    body = _body(response)
    assert "Camden&#x27;s answer: tick themes or “None of these themes”, not both" in body
    assert "<title>Error:" in body
    assert not Coding.objects.filter(coder=w.iv1).exists()


def test_a_retired_theme_is_not_offered_but_its_codings_stay(w, module_db):
    camden = w.a["Camden"]
    Coding.objects.create(answer=camden, theme=w.retired, coder=w.iv1)
    body = _body(_as(w.iv1).get(_url("coding", w)))
    assert f"theme_{w.retired.pk}" not in body
    assert "You also gave it Old wording, no longer offered for coding" in body
    _code(w, w.iv1, camden, "Outcomes")
    assert _mine(w.iv1, camden) == {"Outcomes", "Old wording"}
    # Unticking every offered theme leaves the retired one (and so the answer counts as coded).
    coding.save_coding(w.london, w.q[Q], w.iv1, {camden.pk: None})
    assert _mine(w.iv1, camden) == {"Old wording"}


def test_suggestions_are_shown_beside_the_checkbox_never_ticked(w, module_db):
    outcomes = w.themes["Outcomes"]
    _code(w, w.iv1, w.a["Camden"], "Outcomes", "Person-led")
    _code(w, w.iv1, w.a["Hackney"], "Outcomes")
    _code(w, w.iv1, w.a["Islington"], "Listening")
    lambeth = w.a["Lambeth"]
    body = _body(_as(w.iv2).get(_url("coding", w)))
    hint = (
        f'<div id="hint-{outcomes.pk}-{lambeth.pk}" class="govuk-hint govuk-checkboxes__hint">'
        "Suggested: Outcomes (similar to "
    )
    assert hint in body
    checkbox = f'name="theme_{outcomes.pk}" type="checkbox" value="{lambeth.pk}" aria-describedby'
    assert checkbox in body, "suggested, not ticked"
    # An answer of the double-coded sample gets no suggestion: its coders code unprompted.
    DoubleCoded.objects.create(answer=lambeth)
    assert f"hint-{outcomes.pk}-{lambeth.pk}" not in _body(_as(w.iv2).get(_url("coding", w)))


def test_a_get_of_a_question_without_a_codebook_writes_nothing(w, module_db):
    before = _snapshot()
    for name in CODER_PAGES + LEAD_PAGES:
        assert _as(w.lead).get(_url(name, w, qid="user_voice")).status_code == 200, name
        assert _as(w.national_lead).get(_url(name, w, round_=w.national, qid="user_voice")).status_code == 200
    # Empty POSTs: nothing to save, nothing made.
    for name, status in (
        ("coding", 302),
        ("coding_sample", 302),
        ("coding_reconcile", 200),
        ("coding_quotes", 200),
    ):
        assert _as(w.lead).post(_url(name, w, qid="user_voice")).status_code == status, name
    assert _snapshot() == before
    assert not Codebook.objects.filter(qid="user_voice").exists()


# --- Who may open what ---------------------------------------------------------------------------------

CODER_PAGES = ["coding", "codebook"]
LEAD_PAGES = ["theme_new", "coding_sample", "coding_agreement", "coding_reconcile", "coding_quotes"]
GET_ONLY = {"codebook", "coding_agreement"}


@pytest.mark.parametrize("name", CODER_PAGES + LEAD_PAGES + ["theme"])
def test_each_page_opens_for_the_lead_and_nothing_changes_on_get(w, module_db, name):
    extra = [w.themes["Outcomes"].pk] if name == "theme" else []
    _code(w, w.iv1, w.a["Camden"], "Outcomes")
    DoubleCoded.objects.create(answer=w.a["Camden"])
    before = _snapshot()
    response = _as(w.lead).get(_url(name, w, *extra))
    assert response.status_code == 200
    body = _body(response)
    assert "London 2026" in body and "What does MSP mean to you?" in body
    # Round titles are shown, never slugs (the slug is only in links).
    shown = re.sub(r"<[^>]*>", " ", body.split("<main", 1)[1])
    assert "london-2026" not in shown
    assert _snapshot() == before


@pytest.mark.parametrize("name", CODER_PAGES)
@pytest.mark.parametrize("who", ["iv1", "iv3"])
def test_the_rounds_interviewers_code_and_read_the_codebook(w, module_db, name, who):
    response = _as(getattr(w, who)).get(_url(name, w))
    assert response.status_code == 200
    assert "Double-coded sample" not in _body(response) or name == "coding"


@pytest.mark.parametrize("name", LEAD_PAGES + ["theme"])
def test_interviewers_do_not_manage(w, module_db, name):
    extra = [w.themes["Outcomes"].pk] if name == "theme" else []
    assert _as(w.iv1).get(_url(name, w, *extra)).status_code == 404
    # A page that only shows (GET) answers a POST "not allowed", whoever sends it.
    assert _as(w.iv1).post(_url(name, w, *extra)).status_code == (405 if name in GET_ONLY else 404)


@pytest.mark.parametrize("name", CODER_PAGES + LEAD_PAGES + ["theme"])
@pytest.mark.parametrize("who", ["practitioner", "nw_lead", "national_lead", "iv_other"])
def test_outsiders_get_404(w, module_db, name, who):
    extra = [w.themes["Outcomes"].pk] if name == "theme" else []
    client = _as(getattr(w, who))
    before = _snapshot()
    assert client.get(_url(name, w, *extra)).status_code == 404
    posted = client.post(_url(name, w, *extra), {"label": "X", "action": "change"})
    assert posted.status_code == (405 if name in GET_ONLY else 404)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("qid", "round_"),
    [("strategy_fit", None), ("no_such_question", None), ("msp\x00meaning", None), (Q, "baseline")],
)
def test_not_an_open_question_of_a_round_with_answers_is_404(w, module_db, qid, round_):
    for name in CODER_PAGES + LEAD_PAGES:
        url = _url(name, w, qid=qid, round_=getattr(w, round_) if round_ else None)
        # A NUL in the path is refused before any view (400); other misses are 404.
        assert _as(w.lead).get(url).status_code in ((400, 404) if "\x00" in qid else (404,)), name


def test_a_theme_of_another_codebook_or_the_coded_marker_is_404(w, module_db):
    marker = Theme.objects.create(codebook=w.codebook, label=coding.CODED)
    for theme in (w.national_theme, marker):
        assert _as(w.lead).get(_url("theme", w, theme.pk)).status_code == 404
    assert _as(w.lead).get(_url("theme", w, 999999)).status_code == 404


# --- Codebooks ------------------------------------------------------------------------------------------


def test_the_codebook_lists_themes_definitions_and_counts(w, module_db):
    _code(w, w.iv1, w.a["Camden"], "Outcomes")
    _code(w, w.iv1, w.a["Hackney"], "Outcomes", "Listening")
    body = _body(_as(w.lead).get(_url("codebook", w)))
    assert "Outcomes: as it says" in body and "Retired: not offered for coding" in body
    assert "Answers in London 2026 (of 6)" in body
    assert 'Change<span class="govuk-visually-hidden"> Outcomes</span>' in body
    iv_body = _body(_as(w.iv1).get(_url("codebook", w)))
    assert "Outcomes: as it says" in iv_body and "Change<span" not in iv_body


def test_the_lead_adds_a_theme_with_a_definition_and_it_is_in_the_history(w, module_db):
    response = _as(w.lead).post(
        _url("theme_new", w), {"label": "  Working with risk ", "definition": "Positive risk-taking"}
    )
    assert response.status_code == 302 and response["Location"] == _url("codebook", w)
    theme = Theme.objects.get(codebook=w.codebook, label="Working with risk")
    assert theme.definition == "Positive risk-taking"
    assert theme.history.first().history_user == w.lead
    body = _body(_as(w.lead).get(_url("codebook", w)))
    assert "<strong>Working with risk</strong>: Added, defined as “Positive risk-taking”" in body
    # The same codebook serves the older London round.
    assert theme in coding.offered(coding.find_codebook(w.london_old, Q))


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Enter the name of the theme"),
        ("<b></b>", "Enter the name of the theme"),
        ("outcomes", "The codebook has a theme called “outcomes” already"),
        ("x" * 201, "Name of the theme must be 200 characters or fewer"),
        ("Risk\x00", "Null characters are not allowed"),
    ],
)
def test_a_bad_theme_name_is_refused_with_a_message(w, module_db, label, message):
    before = _snapshot()
    response = _as(w.lead).post(_url("theme_new", w), {"label": label, "definition": ""})
    assert response.status_code == 200
    assert message in _body(response).replace("&#x27;", "'")
    assert _snapshot() == before


def test_rename_retire_bring_back_and_delete(w, module_db):
    listening = w.themes["Listening"]
    page = _url("theme", w, listening.pk)
    client = _as(w.lead)
    response = client.post(
        page, {"action": "change", "label": "Listening to people", "definition": "Hears them"}
    )
    assert response.status_code == 302
    listening.refresh_from_db()
    assert (listening.label, listening.definition) == ("Listening to people", "Hears them")
    assert client.post(page, {"action": "change", "label": "Outcomes"}).status_code == 200
    assert client.post(page, {"action": "retire"}).status_code == 302
    listening.refresh_from_db()
    assert listening.retired_at is not None
    assert f"theme_{listening.pk}" not in _body(_as(w.iv1).get(_url("coding", w)))
    assert client.post(page, {"action": "restore"}).status_code == 302
    listening.refresh_from_db()
    assert listening.retired_at is None
    history = _body(client.get(_url("codebook", w)))
    for words in (
        "Renamed from “Listening”",
        "Definition changed to “Hears them”",
        "Retired",
        "Brought back",
    ):
        assert words in history
    # A theme in use cannot be deleted; an unused one can.
    _code(w, w.iv1, w.a["Islington"], "Listening")
    response = client.post(page, {"action": "delete"})
    assert response.status_code == 200 and "This theme has been used: retire it instead" in _body(response)
    unused = Theme.objects.create(codebook=w.codebook, label="Typo")
    assert client.post(_url("theme", w, unused.pk), {"action": "delete"}).status_code == 302
    assert not Theme.objects.filter(pk=unused.pk).exists()
    assert client.post(page, {"action": "sing"}).status_code == 200


def test_merging_moves_codings_and_quotes_and_keeps_the_theme(w, module_db):
    listening, person = w.themes["Listening"], w.themes["Person-led"]
    islington, camden = w.a["Islington"], w.a["Camden"]
    _code(w, w.iv1, islington, "Listening")
    _code(w, w.iv2, islington, "Listening", "Person-led")  # a duplicate once merged
    _code(w, w.iv1, camden, "Person-led")
    Quote.objects.create(answer=islington, theme=listening, excerpt="Listening to people", chosen_by=w.lead)
    # Camden's answer quoted for both: one quote per answer and theme, so the one of ``into`` stays.
    Quote.objects.create(answer=camden, theme=listening, excerpt="Putting the person")
    kept = Quote.objects.create(answer=camden, theme=person, excerpt="the person at the centre")
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(answer=camden, theme=person, excerpt="the centre")
    page = _url("theme", w, listening.pk)
    # Not into itself, another codebook's theme or a retired one.
    for into, message in (
        (listening.pk, "Select an active theme of this codebook"),
        (w.national_theme.pk, "Select an active theme of this codebook"),
        (w.retired.pk, "Select an active theme of this codebook"),
        ("", "Select the theme to merge it into"),
        ("x\x00", "Null characters are not allowed"),
    ):
        response = _as(w.lead).post(page, {"action": "merge", "into": into})
        assert response.status_code == 200 and message in _body(response), into
    response = _as(w.lead).post(page, {"action": "merge", "into": person.pk})
    assert response.status_code == 302
    listening.refresh_from_db()
    assert listening.merged_into == person
    assert _mine(w.iv1, islington) == {"Person-led"} and _mine(w.iv2, islington) == {"Person-led"}
    assert _final(islington) == {"Person-led"}
    assert Quote.objects.get(answer=islington).theme == person
    assert list(Quote.objects.filter(answer=camden).values_list("pk", "theme")) == [(kept.pk, person.pk)]
    assert not Coding.objects.filter(theme=listening).exists()
    body = _body(_as(w.lead).get(_url("codebook", w)))
    assert "Merged into Person-led" in body and "Merged into “Person-led”" in body
    assert f"theme_{listening.pk}" not in _body(_as(w.iv1).get(_url("coding", w)))
    # A merged theme is not changed again.
    response = _as(w.lead).post(page, {"action": "retire"})
    assert response.status_code == 200 and "has been merged into" in _body(response)


# --- The double-coded sample ----------------------------------------------------------------------------


def _sample(w) -> set[str]:
    return set(
        DoubleCoded.objects.filter(answer__respondent__round=w.london).values_list(
            "answer__respondent__council", flat=True
        )
    )


def test_a_random_sample_is_drawn_reproducibly(w, module_db):
    page = _url("coding_sample", w)
    client = _as(w.lead)
    assert client.post(page, {"action": "draw", "size": "50%", "draw": "1"}).status_code == 302
    first = _sample(w)
    assert len(first) == 3
    assert client.post(page, {"action": "draw", "size": "50%", "draw": "2"}).status_code == 302
    assert client.post(page, {"action": "draw", "size": "3", "draw": "1"}).status_code == 302
    assert _sample(w) == first, "the same size and draw number give the same sample"
    body = _body(client.get(page))
    assert "3 of 6 answers are in the sample" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"size": "lots"}, "Enter a number of answers, such as 10, or a share, such as 20%"),
        ({"size": "9"}, "There are only 6 answers to choose from"),
        ({"size": ""}, "Enter how many answers to double-code"),
        ({"size": "2", "draw": "0"}, "Enter a draw number from 1 to 9999"),
        ({"size": "2", "draw": "one"}, "Enter the draw number as a whole number, such as 1"),
    ],
)
def test_a_bad_sample_size_is_refused_with_a_message(w, module_db, data, message):
    response = _as(w.lead).post(_url("coding_sample", w), {"action": "draw", **data})
    assert response.status_code == 200 and message in _body(response)
    assert not DoubleCoded.objects.exists()


def test_the_lead_ticks_the_sample_and_reconciled_answers_stay(w, module_db):
    page = _url("coding_sample", w)
    camden, hackney = w.a["Camden"], w.a["Hackney"]
    shown = [a.pk for a in w.a.values()]
    response = _as(w.lead).post(
        page, {"action": "ticks", "shown": shown, "sampled": [camden.pk, hackney.pk, w.leeds.pk]}
    )
    assert response.status_code == 302 and _sample(w) == {"Camden", "Hackney"}
    assert _as(w.lead).post(page, {}).status_code == 302 and _sample(w) == {"Camden", "Hackney"}
    DoubleCoded.objects.filter(answer=camden).update(reconciled_at="2026-05-01T10:00Z")
    with pytest.raises(ValidationError, match="Reconciled answers stay in the sample: Camden"):
        coding.set_sample(w.london, w.q[Q], set())
    # A page from before Camden was reconciled, unticking it: refused with a message.
    response = _as(w.lead).post(page, {"action": "ticks", "shown": shown})
    assert response.status_code == 200 and "Reconciled answers stay in the sample: Camden" in _body(response)
    assert _sample(w) == {"Camden", "Hackney"}
    # The page now shows Camden reconciled, not to be unticked.
    body = _body(_as(w.lead).get(page))
    assert f'id="sampled-{camden.pk}" type="checkbox" checked disabled' in body
    assert f'name="shown" value="{camden.pk}"' not in body
    shown.remove(camden.pk)
    assert _as(w.lead).post(page, {"action": "ticks", "shown": shown}).status_code == 302
    assert _sample(w) == {"Camden"}
    response = _as(w.lead).post(page, {"action": "draw", "size": "1", "draw": "5"})
    assert response.status_code == 302 and _sample(w) == {"Camden"}


# --- Agreement and reconciliation ----------------------------------------------------------------------


@pytest.fixture
def worked(w):
    """The docs' worked example in the database: ten answers of a round of their own, double-coded
    by iv1 (first) and iv2; "Outcomes" as in OUTCOMES, "Listening" never ticked."""
    round_ = Round.objects.create(
        slug="london-worked", title="London worked example", instrument=w.instrument, region="London"
    )
    round_.interviewers.add(w.iv1, w.iv2, w.iv3)
    answers = []
    for n in range(10):
        r = Respondent.objects.create(
            round=round_, respondent_id=f"W-{n}", council=f"Council {n:02d}", region="London"
        )
        answers.append(Answer.objects.create(respondent=r, question=w.q[Q], answer=f"Answer number {n}"))
    DoubleCoded.objects.bulk_create(DoubleCoded(answer=a) for a in answers)
    outcomes = w.themes["Outcomes"].pk
    for coder, ticks in ((w.iv1, FIRST), (w.iv2, SECOND)):
        coding.save_coding(
            round_,
            w.q[Q],
            coder,
            {a.pk: ({outcomes} if tick else set()) for a, tick in zip(answers, ticks, strict=True)},
        )
    return SimpleNamespace(round=round_, answers=answers)


def test_agreement_on_a_hand_built_double_coding(w, module_db, worked):
    # As in the docs' worked example: "Outcomes" and "Listening" offered; "Person-led" retired, like
    # "Old wording", and neither ticked by anyone in the sample.
    coding.retire_theme(w.themes["Person-led"])
    report = coding.agreement_for(worked.round, w.q[Q])
    by_label = {t.label: a for t, a in report.themes}
    assert (report.sample, report.double_coded, report.identical) == (10, 10, 8)
    assert by_label["Outcomes"].kappa == Fraction(3, 5) and by_label["Outcomes"].percent == 80
    assert by_label["Listening"].kappa is None and by_label["Listening"].percent == 100
    assert set(by_label) == {"Outcomes", "Listening", "Person-led", "Old wording"}, "each shown"
    # Overall pools the themes in play only (offered, or ticked in the sample): the docs' figures.
    assert (report.overall.n, report.overall.agreed, report.overall.kappa) == (20, 18, Fraction(11, 15))
    assert report.overall == agreement.pooled([agreement.agreement(OUTCOMES), agreement.agreement(LISTENING)])
    body = _body(_as(w.lead).get(_url("coding_agreement", w, round_=worked.round)))
    assert "0.60 (moderate)" in body and "80%" in body and "not defined" in body
    assert "0.73" in body and "90%" in body
    # A theme retired after coders ticked it in the sample still counts overall.
    coding.retire_theme(w.themes["Outcomes"])
    assert coding.agreement_for(worked.round, w.q[Q]).overall.n == 20
    assert "Coded alike on every theme" in body and "8 of 10" in body
    # A third coder: the first two to code each answer are still the ones compared.
    coding.save_coding(worked.round, w.q[Q], w.iv3, {worked.answers[0].pk: set()})
    again = coding.agreement_for(worked.round, w.q[Q])
    assert again.more_than_two == 1 and {t.label: a for t, a in again.themes}["Outcomes"].kappa == Fraction(
        3, 5
    )
    assert "coded by more than two coders: the first two" in _body(
        _as(w.lead).get(_url("coding_agreement", w, round_=worked.round))
    )


def test_the_lead_reconciles_a_disagreement_under_the_expected_state(w, module_db, worked):
    page = _url("coding_reconcile", w, round_=worked.round)
    answer = worked.answers[4]  # the first coder ticked Outcomes, the second did not
    outcomes, person = w.themes["Outcomes"], w.themes["Person-led"]
    body = _body(_as(w.lead).get(page))
    assert "Coders disagree" in body and "Accept the 8 answers on which the coders agree" in body
    assert _final(answer) == {"Outcomes"}, "until reconciled, the first coder's coding counts"
    response = _as(w.lead).post(
        page, {"answer": answer.pk, "expected": "", "final": [person.pk, 999999, "x"]}
    )
    assert response.status_code == 302
    sample = DoubleCoded.objects.get(answer=answer)
    assert sample.reconciled_by == w.lead and sample.reconciled_at is not None
    assert _final(answer) == {"Person-led"}
    assert set(Coding.objects.filter(answer=answer, final=True).values_list("coder", flat=True)) == {
        w.lead.pk
    }
    # A second lead's page, still showing it unreconciled: refused, nothing changed.
    response = _as(w.lead).post(page, {"answer": answer.pk, "expected": "", "final": [outcomes.pk]})
    assert response.status_code == 200
    assert "answer was reconciled meanwhile" in _body(response).replace("&#x27;", "'")
    assert _final(answer) == {"Person-led"}
    with pytest.raises(StateChanged):
        coding.reconcile(worked.round, w.q[Q], answer.pk, w.lead, set(), "")
    # A page state that cannot be read back: refused as such, not said to be a reconciliation.
    for garbled in ("yesterday", "|x", f"{sample.reconciled_at.isoformat()}|1:notanid"):
        response = _as(w.lead).post(page, {"answer": answer.pk, "expected": garbled, "final": []})
        assert response.status_code == 200 and _final(answer) == {"Person-led"}
        assert "could not be read back, so nothing was saved" in _body(response).replace("&#x27;", "'")
    # Changing it explicitly, from the page that showed the reconciliation: allowed.
    expected = sample.reconciled_at.isoformat()
    response = _as(w.lead).post(page, {"answer": answer.pk, "expected": expected, "final": []})
    assert response.status_code == 302 and _final(answer) == set()
    # A coder changing their coding afterwards does not change the final coding, and the page says so.
    coding.save_coding(worked.round, w.q[Q], w.iv2, {answer.pk: {outcomes.pk}})
    assert _final(answer) == set()
    assert "A coder has changed their coding since." in _body(_as(w.lead).get(page))


def _accept_form(w, round_: Round) -> dict[str, list[str]]:
    """What the reconcile page's "Accept the answers on which the coders agree" button posts."""
    body = _body(_as(w.lead).get(_url("coding_reconcile", w, round_=round_)))
    form = body.split('name="action" value="accept">', 1)[1].split("</form>", 1)[0]
    data: dict[str, list[str]] = {"action": ["accept"]}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        data.setdefault(name, []).append(html.unescape(value))
    return data


def test_accepting_the_answers_the_coders_agree_on(w, module_db, worked):
    page = _url("coding_reconcile", w, round_=worked.round)
    form = _accept_form(w, worked.round)
    assert len(form["agreed"]) == 8
    response = _as(w.lead).post(page, form, follow=True)
    assert "8 answers on which the coders agree reconciled" in _body(response)
    reconciled = DoubleCoded.objects.filter(answer__in=worked.answers, reconciled_at__isnull=False)
    assert reconciled.count() == 8
    assert _final(worked.answers[0]) == {"Outcomes"} and _final(worked.answers[9]) == set()
    assert not DoubleCoded.objects.get(answer=worked.answers[4]).reconciled_at
    # A script (no page state posted) accepts every answer agreed on; none is left now.
    assert coding.accept_agreed(worked.round, w.q[Q], w.lead) == (0, 0)


def test_accepting_agreed_answers_leaves_those_changed_since_the_page_was_shown(w, module_db, worked):
    page = _url("coding_reconcile", w, round_=worked.round)
    form = _accept_form(w, worked.round)
    outcomes, listening = w.themes["Outcomes"].pk, w.themes["Listening"].pk
    # Since the page was shown: both coders of one answer now agree on something else, a coder of
    # another now disagrees, and a third answer has been reconciled from another window.
    moved, disputed, done_elsewhere = worked.answers[0], worked.answers[9], worked.answers[1]
    for coder in (w.iv1, w.iv2):
        coding.save_coding(worked.round, w.q[Q], coder, {moved.pk: {outcomes, listening}})
    coding.save_coding(worked.round, w.q[Q], w.iv2, {disputed.pk: {listening}})
    sample = next(s for s in coding.sampled(worked.round, w.q[Q]) if s.answer.pk == done_elsewhere.pk)
    coding.reconcile(worked.round, w.q[Q], done_elsewhere.pk, w.lead, set(), sample.expected)
    body = _body(_as(w.lead).post(page, form, follow=True))
    assert "5 answers on which the coders agree reconciled" in body
    assert "3 answers changed since the page was shown" in body and "Important" in body
    # Nothing accepted unseen: the new agreement waits for the lead (its first coder's coding
    # meanwhile, out of every count as awaiting reconciliation).
    assert not DoubleCoded.objects.get(answer=moved).reconciled_at
    assert not DoubleCoded.objects.get(answer=disputed).reconciled_at
    assert _final(done_elsewhere) == set()
    # A page posting nothing it showed accepts nothing.
    assert _as(w.lead).post(page, {"action": "accept"}).status_code == 302
    assert not DoubleCoded.objects.get(answer=moved).reconciled_at


@pytest.mark.parametrize("which", ["none", "not in the sample", "other round", "single coder", "nul"])
def test_reconciling_what_cannot_be_reconciled_is_refused_with_a_message(w, module_db, worked, which):
    page = _url("coding_reconcile", w, round_=worked.round)
    answer = {
        "none": "",
        "not in the sample": w.a["Camden"].pk,
        "other round": w.a["Camden"].pk,
        "single coder": None,
        "nul": f"{worked.answers[0].pk}\x00",
    }[which]
    if which == "single coder":
        Coding.objects.filter(answer=worked.answers[0], coder=w.iv2).delete()
        answer = worked.answers[0].pk
    response = _as(w.lead).post(page, {"answer": answer, "expected": "", "final": []})
    assert response.status_code == 200
    body = _body(response).replace("&#x27;", "'")
    expected = (
        "has not been coded by two coders yet"
        if which == "single coder"
        else "Choose an answer of the double-coded sample"
    )
    assert expected in body
    assert not DoubleCoded.objects.filter(reconciled_at__isnull=False).exists()


def test_reconcile_checks_under_the_lock_that_two_coders_still_coded_it(w, module_db, worked):
    """The page checked two coders; one takes their coding back before the lead's post is saved."""
    answer = worked.answers[4]
    coding.save_coding(worked.round, w.q[Q], w.iv2, {answer.pk: None})
    with pytest.raises(StateChanged, match="no longer coded by two coders"):
        coding.reconcile(worked.round, w.q[Q], answer.pk, w.lead, set(), "")
    assert DoubleCoded.objects.get(answer=answer).reconciled_at is None


def test_a_coding_from_before_independent_coding_is_kept_until_reconciled(w, module_db):
    old = w.old["Camden"]
    coding.save_coding(w.london_old, w.q[Q], w.iv1, {old.pk: {w.themes["Listening"].pk}})
    assert _final(old) == {"Outcomes"}


# --- Quotes ----------------------------------------------------------------------------------------------


def test_the_lead_chooses_and_excerpts_quotes_and_the_report_shows_only_those(w, module_db):
    camden, hackney = w.a["Camden"], w.a["Hackney"]
    _code(w, w.iv1, camden, "Outcomes")
    _code(w, w.iv1, hackney, "Outcomes")
    outcomes = w.themes["Outcomes"]
    page = _url("coding_quotes", w)
    body = _body(_as(w.lead).get(page, {"theme": outcomes.pk}))
    assert "Answers whose final coding carries Outcomes" in body and "Hackney" in body
    response = _as(w.lead).post(
        page,
        {
            "action": "choose",
            "theme": outcomes.pk,
            "answer": camden.pk,
            f"answer-{camden.pk}-excerpt": "the person ... what outcomes they want",
        },
    )
    assert response.status_code == 302
    response = _as(w.lead).post(
        page,
        {
            "action": "choose",
            "theme": outcomes.pk,
            "answer": hackney.pk,
            f"answer-{hackney.pk}-excerpt": "Asking people about results",
        },
    )
    assert response.status_code == 200
    assert "“Asking people about results” is not in the answer" in _body(response)
    # Not an answer carrying the theme: nothing to choose.
    response = _as(w.lead).post(
        page,
        {
            "action": "choose",
            "theme": outcomes.pk,
            "answer": w.a["Barnet"].pk,
            f"answer-{w.a['Barnet'].pk}-excerpt": "A culture change",
        },
    )
    assert response.status_code == 200
    assert list(Quote.objects.values_list("excerpt", flat=True)) == ["the person ... what outcomes they want"]
    report = coding.open_answers([w.london])[Q]
    assert report["responses"] == 6
    theme = next(t for t in report["themes"] if t["theme"] == "Outcomes")
    assert (theme["count"], theme["percent"], theme["in_words"]) == (2, 33, "a third")
    assert theme["quotes"] == [{"text": "the person ... what outcomes they want", "council": "Camden"}]
    assert theme["definition"] == "Outcomes: as it says"
    assert all(t["theme"] != coding.CODED for t in report["themes"])
    # Hackney did not agree to be named: its quote carries no council.
    Quote.objects.create(answer=hackney, theme=outcomes, excerpt="Asking people", chosen_by=w.lead)
    quotes = next(t for t in coding.open_answers([w.london])[Q]["themes"] if t["theme"] == "Outcomes")[
        "quotes"
    ]
    assert {"text": "Asking people", "council": None} in quotes
    # A quote whose answer no longer carries the theme is not shown; the lead removes one.
    _code(w, w.iv1, hackney, "Listening")
    quotes = next(t for t in coding.open_answers([w.london])[Q]["themes"] if t["theme"] == "Outcomes")[
        "quotes"
    ]
    assert [q["text"] for q in quotes] == ["the person ... what outcomes they want"]
    quote = Quote.objects.get(answer=camden)
    assert (
        _as(w.lead).post(page, {"action": "remove", "theme": outcomes.pk, "quote": quote.pk}).status_code
        == 302
    )
    assert not Quote.objects.filter(pk=quote.pk).exists()


def test_open_answers_counts_unreconciled_sample_answers_and_merges_codebooks_by_name(w, module_db):
    DoubleCoded.objects.create(answer=w.a["Islington"])
    _code(w, w.iv1, w.a["Islington"], "Listening")
    _code(w, w.iv1, w.a["Croydon"], "Listening")
    both = coding.open_answers([w.london, w.national])[Q]
    assert both["responses"] == 7 and both["unreconciled"] == 1
    listening = next(t for t in both["themes"] if t["theme"] == "Listening")
    assert listening["count"] == 2, "London's and the national theme of the same name are one"
    # ... nor in the base of the shares: 2 of the 6 responses counted, not of all 7.
    assert both["counted"] == 6 and listening["percent"] == 33
    # Islington's answer awaits reconciliation: in no count until the lead reconciles it.
    _code(w, w.iv2, w.a["Islington"], "Listening")
    coding.reconcile(w.london, w.q[Q], w.a["Islington"].pk, w.lead, {w.themes["Listening"].pk}, "")
    both = coding.open_answers([w.london, w.national])[Q]
    assert both["unreconciled"] == 0 and both["counted"] == 7
    assert next(t for t in both["themes"] if t["theme"] == "Listening")["count"] == 3
    cut = coding.open_answers([w.london, w.national], Respondent.objects.filter(region="London"))[Q]
    assert cut["responses"] == 6


def test_an_answer_is_counted_once_under_a_name_whatever_its_case(w, module_db):
    """Two themes whose names differ only in case (as before migration 0004 merged them) on one
    answer: one answer carrying the theme, not two."""
    lower = Theme.objects.create(codebook=w.codebook, label="outcomes ")
    for theme in (w.themes["Outcomes"], lower):
        Coding.objects.create(answer=w.a["Barnet"], theme=theme, final=True)
    Quote.objects.create(answer=w.a["Barnet"], theme=lower, excerpt="A culture change")
    themes = coding.open_answers([w.london])[Q]["themes"]
    found = [t for t in themes if t["theme"].strip().lower() == "outcomes"]
    assert len(found) == 1 and found[0]["count"] == 1
    assert found[0]["quotes"] == [{"text": "A culture change", "council": None}]


def test_an_interviewer_sees_no_trace_of_a_sampled_answers_themes_until_reconciled(w, module_db):
    """Until the lead reconciles a sampled answer its final coding is its first coder's: the second
    coder must not read it in the good-practice library, the codebook's counts and comparison, or the
    report's theme counts and quotes."""
    camden = w.a["Camden"]  # agreed to be named: a good-practice example once coded
    DoubleCoded.objects.create(answer=camden)
    _code(w, w.iv1, camden, "Person-led")
    Quote.objects.create(answer=camden, theme=w.themes["Person-led"], excerpt="Putting the person")
    assert _final(camden) == {"Person-led"}  # the first coder's, kept as the final coding meanwhile
    second = _as(w.iv2)
    library = _body(second.get(reverse("tempcheck:good_practice")))
    assert LONDON_ANSWERS["Camden"][0] not in library and "Person-led" not in library
    assert LONDON_ANSWERS["Camden"][0] not in _body(
        second.get(reverse("tempcheck:good_practice"), {"theme": "Person-led"})
    )
    book = _body(second.get(_url("codebook", w), {"compare": "london-2016"}))
    counts = re.findall(r'data-label="Answers">(\d+)<', book)
    assert counts and set(counts) == {"0"}, "no theme counts Camden's answer"
    from msphub.tempcheck.coding_views import _themes_counted

    assert {t.label: t.answers for t in _themes_counted(w.london, w.codebook)}["Person-led"] == 0
    comparison = {r["theme"]: r for r in coding.theme_comparison([w.london], [w.london_old])[Q]}
    assert "Person-led" not in comparison
    report = coding.open_answers([w.london])[Q]
    assert report["unreconciled"] == 1 and report["themes"] == []
    # The second coder codes, the lead reconciles: now it counts everywhere.
    _code(w, w.iv2, camden, "Person-led", "Outcomes")
    coding.reconcile(w.london, w.q[Q], camden.pk, w.lead, {w.themes["Person-led"].pk}, "")
    assert "Themes: Person-led" in _body(second.get(reverse("tempcheck:good_practice")))
    report = coding.open_answers([w.london])[Q]
    assert report["unreconciled"] == 0
    assert [(t["theme"], t["count"], t["quotes"]) for t in report["themes"]] == [
        ("Person-led", 1, [{"text": "Putting the person", "council": "Camden"}])
    ]
    assert {t.label: t.answers for t in _themes_counted(w.london, w.codebook)}["Person-led"] == 1


def test_theme_frequencies_compared_across_rounds(w, module_db):
    _code(w, w.iv1, w.a["Camden"], "Outcomes")
    _code(w, w.iv1, w.a["Hackney"], "Outcomes", "Person-led")
    _code(w, w.iv1, w.a["Croydon"], "Outcomes")
    rows = {r["theme"]: r for r in coding.theme_comparison([w.london], [w.london_old])[Q]}
    assert rows["Outcomes"] == {
        "theme": "Outcomes", "count": 3, "percent": 50, "other_count": 2, "other_percent": 67, "change": -17,
        "counted": 6, "other_counted": 3, "unreconciled": 0, "other_unreconciled": 0,
    }  # fmt: skip
    assert rows["Listening"]["count"] == 0 and rows["Listening"]["other_percent"] == 33
    assert rows["Person-led"]["other_count"] == 0 and rows["Person-led"]["change"] == 17
    assert coding.theme_comparison([w.london], [w.baseline]) == {}
    body = _body(_as(w.lead).get(_url("codebook", w)))
    assert "Share of responses carrying each theme: London 2026 and London 2016" in body
    assert "-17" in body
    chosen = _body(_as(w.lead).get(_url("codebook", w), {"compare": "england-2026"}))
    assert "London 2026 and England 2026" in chosen
    for odd in ("no-such-round", "x\x00"):
        assert _as(w.lead).get(_url("codebook", w), {"compare": odd}).status_code == 200


# --- Good practice ---------------------------------------------------------------------------------------


def test_good_practice_lists_named_answers_by_their_final_coding(w, module_db):
    page = reverse("tempcheck:good_practice")
    # A coder's own tick on a sampled, unreconciled answer's second coding is not the final coding.
    _code(w, w.iv1, w.a["Camden"], "Person-led")
    _code(w, w.iv2, w.a["Camden"], "Listening")
    _code(w, w.iv1, w.a["Hackney"], "Outcomes")  # not named
    body = _body(_as(w.lead).get(page))
    assert LONDON_ANSWERS["Camden"][0] in body and LONDON_ANSWERS["Hackney"][0] not in body
    assert "Themes: Person-led" in body
    assert "Leeds listens" not in body, "the national round is not the London lead's"
    assert LONDON_ANSWERS["Camden"][0] not in _body(_as(w.lead).get(page, {"theme": "Listening"}))
    assert LONDON_ANSWERS["Camden"][0] in _body(_as(w.lead).get(page, {"theme": "person-led"}))
    assert LONDON_ANSWERS["Camden"][0] not in _body(_as(w.lead).get(page, {"region": "Yorkshire"}))
    national = _body(_as(w.national_lead).get(page, {"region": "Yorkshire", "theme": "Listening"}))
    assert "Leeds listens to people first" in national
    assert _as(w.lead).get(page, {"theme": "a\x00", "region": "\x00"}).status_code == 200
    assert _as(w.practitioner).get(page).status_code == 404


# --- Query counts do not grow with the answers ------------------------------------------------------


def test_the_pages_make_as_many_queries_for_twelve_answers_as_for_six(w, module_db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def code_all():
        for answer in Answer.objects.filter(respondent__round=w.london):
            _code(w, w.iv1, answer, "Outcomes")
            _code(w, w.iv2, answer, "Outcomes", "Listening")
            DoubleCoded.objects.get_or_create(answer=answer)
            Quote.objects.get_or_create(
                answer=answer, theme=w.themes["Outcomes"], defaults={"excerpt": answer.answer.split()[0]}
            )

    pages = [
        _url(n, w) for n in ("coding", "codebook", "coding_sample", "coding_agreement", "coding_reconcile")
    ]
    pages += [
        _url("coding_quotes", w) + f"?theme={w.themes['Outcomes'].pk}",
        reverse("tempcheck:good_practice"),
    ]
    client = _as(w.lead)

    def counts() -> list[int]:
        out = []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            out.append(len(queries))
        return out

    code_all()
    six = counts()
    for n in range(6):
        r = Respondent.objects.create(
            round=w.london, respondent_id=f"L-1{n}", council=f"Council {n}", region="London"
        )
        Answer.objects.create(
            respondent=r, question=w.q[Q], answer=f"More outcomes {n}", may_name_council=True
        )
    code_all()
    assert counts() == six


# --- Stale pages are refused, never silently applied (review B, findings 2-7) ---------------------------


def _page_post(w, coder: User) -> dict[str, list[str]]:
    """What the coder's coding page posts if saved as shown (hidden fields and ticks)."""
    body = _body(_as(coder).get(_url("coding", w)))
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body):
        data.setdefault(name, []).append(value)
    for name, value in re.findall(
        r'name="((?:theme_\d+)|none)" type="checkbox" value="(\d+)"[^>]*checked', body
    ):
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_a_stale_coding_page_saved_unchanged_undoes_nothing(w, module_db):
    barnet, camden = w.a["Barnet"], w.a["Camden"]
    _code(w, w.iv1, barnet, "Outcomes")
    stale = _page_post(w, w.iv1)  # tab 2, opened first
    _code(w, w.iv1, barnet, "Outcomes", "Listening")  # tab 1 saves
    _code(w, w.iv1, camden, "Person-led")
    response = _as(w.iv1).post(_url("coding", w), stale)
    assert response.status_code == 302
    assert _mine(w.iv1, barnet) == {"Outcomes", "Listening"} and _mine(w.iv1, camden) == {"Person-led"}


def test_a_stale_coding_page_changing_an_answer_changed_since_is_refused(w, module_db):
    barnet, camden = w.a["Barnet"], w.a["Camden"]
    outcomes, person = w.themes["Outcomes"], w.themes["Person-led"]
    _code(w, w.iv1, barnet, "Outcomes")
    stale = _page_post(w, w.iv1)
    _code(w, w.iv1, barnet, "Listening")  # another window
    stale[f"theme_{person.pk}"] = [str(barnet.pk), str(camden.pk)]  # Barnet changed here too; Camden new
    response = _as(w.iv1).post(_url("coding", w), stale)
    assert response.status_code == 200
    body = _body(response)
    assert "Barnet&#x27;s answer was changed in another window since this page was shown" in body
    assert "Coding saved (1 answer changed). These answers were not saved:" in body
    assert _mine(w.iv1, barnet) == {"Listening"}, "nothing lost"
    assert _mine(w.iv1, camden) == {"Person-led"}, "the fresh answer is saved"
    # The page shown again carries the stored coding: saved again, it is accepted.
    fresh = _page_post(w, w.iv1)
    fresh[f"theme_{outcomes.pk}"] = [str(barnet.pk)]
    assert _as(w.iv1).post(_url("coding", w), fresh).status_code == 302
    assert _mine(w.iv1, barnet) == {"Listening", "Outcomes"}


def test_a_coding_page_from_before_a_merge_keeps_the_merged_coding(w, module_db):
    lambeth = w.a["Lambeth"]
    listening, person = w.themes["Listening"], w.themes["Person-led"]
    _code(w, w.iv1, lambeth, "Outcomes", "Listening")
    stale = _page_post(w, w.iv1)
    coding.merge_theme(listening, person)
    assert _as(w.iv1).post(_url("coding", w), stale).status_code == 302
    assert _mine(w.iv1, lambeth) == {"Outcomes", "Person-led"} and _final(lambeth) == {
        "Outcomes",
        "Person-led",
    }
    # Newly ticking the merged theme on the old page counts as the theme it went into.
    camden = w.a["Camden"]
    stale[f"theme_{listening.pk}"] = [*stale[f"theme_{listening.pk}"], str(camden.pk)]
    assert _as(w.iv1).post(_url("coding", w), stale).status_code == 302
    assert _mine(w.iv1, camden) == {"Person-led"}


def test_newly_ticking_a_theme_retired_since_the_page_was_shown_is_refused(w, module_db):
    camden, outcomes = w.a["Camden"], w.themes["Outcomes"]
    stale = _page_post(w, w.iv1)
    coding.retire_theme(outcomes)
    stale[f"theme_{outcomes.pk}"] = [str(camden.pk)]
    response = _as(w.iv1).post(_url("coding", w), stale)
    assert response.status_code == 200
    assert "Camden&#x27;s answer: “Outcomes” is no longer offered for coding" in _body(response)
    assert not Coding.objects.filter(answer=camden, coder=w.iv1).exists()
    stale["shown_" + str(camden.pk)] = ["garbage"]
    response = _as(w.iv1).post(_url("coding", w), stale)
    assert response.status_code == 200 and "could not be checked" in _body(response)


def _quote_post(w, answer: Answer, theme: Theme, excerpt: str, shown_excerpt: str = "") -> dict[str, object]:
    return {
        "action": "choose",
        "theme": theme.pk,
        "answer": answer.pk,
        "shown_excerpt": shown_excerpt,
        f"answer-{answer.pk}-excerpt": excerpt,
    }


def test_a_quote_from_a_page_before_a_merge_is_never_saved_under_another_theme(w, module_db):
    camden, islington = w.a["Camden"], w.a["Islington"]
    outcomes, listening, person = w.themes["Outcomes"], w.themes["Listening"], w.themes["Person-led"]
    _code(w, w.iv1, camden, "Outcomes", "Listening")
    _code(w, w.iv1, islington, "Listening")
    kept = Quote.objects.create(answer=camden, theme=listening, excerpt="what outcomes they want")
    page = _url("coding_quotes", w)
    assert 'name="shown_excerpt" value=""' in _body(_as(w.lead).get(page, {"theme": outcomes.pk}))
    coding.merge_theme(outcomes, person)
    response = _as(w.lead).post(page, _quote_post(w, camden, outcomes, "Putting the person at the centre"))
    assert response.status_code == 200
    assert "This theme has been merged into “Person-led” since this page was shown" in _body(response)
    assert list(Quote.objects.values_list("pk", "excerpt")) == [(kept.pk, "what outcomes they want")]
    response = _as(w.lead).post(page, _quote_post(w, camden, Theme(pk=999999), "Putting the person"))
    assert response.status_code == 200 and "Choose a theme" in _body(response)
    # An answer not carrying the theme is answered with a message, not ignored.
    response = _as(w.lead).post(page, _quote_post(w, w.a["Barnet"], listening, "A culture change"))
    assert response.status_code == 200 and "Choose an answer that carries this theme" in _body(response)


def test_a_quote_changed_in_another_window_is_not_overwritten(w, module_db):
    camden, listening = w.a["Camden"], w.themes["Listening"]
    _code(w, w.iv1, camden, "Listening")
    page = _url("coding_quotes", w)
    Quote.objects.create(answer=camden, theme=listening, excerpt="what outcomes they want")  # other window
    response = _as(w.lead).post(page, _quote_post(w, camden, listening, "Putting the person at the centre"))
    assert response.status_code == 200
    assert "was changed in another window since this page was shown" in _body(response)
    assert Quote.objects.get(answer=camden).excerpt == "what outcomes they want"
    fresh = _quote_post(w, camden, listening, "Putting the person at the centre", "what outcomes they want")
    assert _as(w.lead).post(page, fresh).status_code == 302
    assert Quote.objects.get(answer=camden).excerpt == "Putting the person at the centre"
    # Without the quote shown (a script), chosen as before.
    coding.choose_quote(w.london, w.q[Q], camden.pk, listening, "the person", w.lead)
    assert Quote.objects.get(answer=camden).excerpt == "the person"


def test_theme_comparison_shares_are_of_the_answers_counted_as_in_the_theme_table(w, module_db):
    for name in ("Camden", "Hackney", "Croydon"):
        _code(w, w.iv1, w.a[name], "Outcomes")
    DoubleCoded.objects.create(answer=w.a["Barnet"])
    _code(w, w.iv1, w.a["Barnet"], "Outcomes")  # awaiting reconciliation: in no count
    table = next(t for t in coding.open_answers([w.london])[Q]["themes"] if t["theme"] == "Outcomes")
    row = next(r for r in coding.theme_comparison([w.london], [w.london])[Q] if r["theme"] == "Outcomes")
    assert table["count"] == row["count"] == 3 and table["percent"] == row["percent"] == 60
    assert (row["counted"], row["unreconciled"], row["other_counted"]) == (5, 1, 5)
    body = _body(_as(w.lead).get(_url("codebook", w)))
    assert "Answers in London 2026 (of 5; 1 awaiting reconciliation)" in body


def _theme_post(label: str, definition: str, shown: Theme) -> dict[str, str]:
    return {
        "action": "change",
        "label": label,
        "definition": definition,
        "shown_label": shown.label,
        "shown_definition": shown.definition.replace("\n", "\r\n"),
    }


def test_a_theme_changed_in_another_window_is_not_undone_by_a_stale_page(w, module_db):
    listening = w.themes["Listening"]
    listening.definition = "Line one\nline two"
    listening.save()
    page = _url("theme", w, listening.pk)
    assert 'name="shown_label" value="Listening"' in _body(_as(w.lead).get(page))
    stale = Theme.objects.get(pk=listening.pk)
    coding.change_theme(listening, "Hearing people", listening.definition)  # tab 1
    response = _as(w.lead).post(page, _theme_post("Listening", "A new definition", stale))
    assert response.status_code == 200
    body = _body(response)
    assert "This theme was changed in another window since this page was shown" in body
    assert "A new definition" in body, "the form keeps what was posted"
    assert Theme.objects.get(pk=listening.pk).label == "Hearing people"
    # From a fresh page (line breaks posted as \r\n), accepted.
    fresh = Theme.objects.get(pk=listening.pk)
    response = _as(w.lead).post(page, _theme_post("Hearing people", "A new definition", fresh))
    assert response.status_code == 302
    assert Theme.objects.get(pk=listening.pk).definition == "A new definition"


def test_a_stale_sample_page_does_not_undo_a_draw(w, module_db):
    page = _url("coding_sample", w)
    camden, hackney = w.a["Camden"], w.a["Hackney"]
    DoubleCoded.objects.create(answer=camden)
    assert f'name="sample_as_shown" value="{camden.pk}"' in _body(_as(w.lead).get(page))
    shown = [a.pk for a in w.a.values()]
    stale = {"action": "ticks", "shown": shown, "sampled": [camden.pk], "sample_as_shown": str(camden.pk)}
    DoubleCoded.objects.create(answer=hackney)  # a draw in another window
    response = _as(w.lead).post(page, stale)
    assert response.status_code == 200
    assert "The sample was changed in another window since this page was shown" in _body(response)
    assert _sample(w) == {"Camden", "Hackney"}
    fresh = {**stale, "sampled": [hackney.pk], "sample_as_shown": f"{camden.pk},{hackney.pk}"}
    assert _as(w.lead).post(page, fresh).status_code == 302 and _sample(w) == {"Hackney"}


def test_a_reconciliation_page_from_before_a_coders_change_is_refused(w, module_db, worked):
    page = _url("coding_reconcile", w, round_=worked.round)
    answer = worked.answers[4]
    outcomes, listening = w.themes["Outcomes"], w.themes["Listening"]
    target = next(s for s in coding.sampled(worked.round, w.q[Q]) if s.answer.pk == answer.pk)
    expected = target.expected
    assert expected == f"|{w.iv1.pk}:{outcomes.pk};{w.iv2.pk}:"
    assert f'name="expected" value="{expected}"' in _body(_as(w.lead).get(page))
    coding.save_coding(worked.round, w.q[Q], w.iv2, {answer.pk: {listening.pk}})  # a coder's change
    response = _as(w.lead).post(page, {"answer": answer.pk, "expected": expected, "final": [outcomes.pk]})
    assert response.status_code == 200
    assert "a coder has changed their coding since this page was shown" in _body(response)
    assert not DoubleCoded.objects.get(answer=answer).reconciled_at
    # A merge since the page was shown is followed: the ticked merged theme becomes the one it went into.
    fresh = next(s for s in coding.sampled(worked.round, w.q[Q]) if s.answer.pk == answer.pk).expected
    coding.merge_theme(listening, outcomes)
    response = _as(w.lead).post(page, {"answer": answer.pk, "expected": fresh, "final": [listening.pk]})
    assert response.status_code == 302 and _final(answer) == {"Outcomes"}
