"""The case file audit pages: my audits, rounds, assigning, answering, live reflections, moderation,
learning actions, and who may open each (an auditor reaches a record only through its audit)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.audits import sampling, services, tools
from msphub.audits.models import Audit, AuditAnswer, AuditRound, LearningAction
from msphub.core.models import AccessLog
from tests.conftest import Cast, _user, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, date_parts, open_enquiry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _round(lead, title: str, tool, **kw) -> AuditRound:
    new = services.NewRound(
        title=title,
        tool=tool,
        rule=kw.pop("rule", AuditRound.Rule.PER_TEAM_MONTH),
        period_start=TODAY - timedelta(days=40),
        period_end=TODAY,
        as_at=TODAY,
        seed="s1",
        sample_size=10,
        **kw,
    )
    return services.create_round(lead, new)


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        council = cast.council
        w.auditor = _user("aziz_auditor", council, Role.CASE_FILE_AUDITOR)
        w.second = _user("bo_auditor", council, Role.CASE_FILE_AUDITOR)
        w.pauditor = _user("pia_policeauditor", cast.police, Role.CASE_FILE_AUDITOR)
        # A police force that does not work with Riverside: its auditor may not audit Riverside's files.
        elsewhere = Organisation.objects.create(name="Faraway Police", kind="police")
        elsewhere.councils.add(cast.other_council)
        w.stranger = _user("sid_faraway", elsewhere, Role.CASE_FILE_AUDITOR)
        w.tool = tools.load_shipped()

        def enquiry(family: str, lead, signer, **person):
            person = new_person(council, family_name=family, **person)
            return open_enquiry(new_concern(council), person, lead, signer)

        w.e_front = enquiry("Quill", cast.practitioner, cast.manager)
        w.e_locality = enquiry("Lark", cast.locality_practitioner, cast.locality_manager)
        w.e_restricted = enquiry("Rook", cast.locality_practitioner, cast.locality_manager, restricted=True)
        # The auditor is named on the restricted record (the one rule: only named users and the lead).
        w.e_restricted.person.restricted_to.add(w.auditor)
        w.e_unsampled = enquiry("Wren", cast.practitioner, cast.manager)
        w.round = _round(cast.lead, "Riverside monthly audit", w.tool)
        sampling.draw(w.round)
        w.audits = {a.enquiry_id: a for a in Audit.objects.filter(audit_round=w.round)}
        # The unsampled enquiry is not in this round: it was left out of the sample by hand.
        w.audits.pop(w.e_unsampled.pk).delete()
        w.a_front = w.audits[w.e_front.pk]
        w.a_locality = w.audits[w.e_locality.pk]
        assert w.e_restricted.pk not in w.audits, "restricted records are left out unless included"
        services.assign_auditor(w.a_front, cast.lead, w.auditor)
        services.assign_auditor(w.a_locality, cast.lead, w.pauditor, Audit.Mode.LIVE)
        w.a_locality.refresh_from_db()
        # A round that includes restricted records.
        w.r_restricted = _round(cast.lead, "Restricted included", w.tool, include_restricted=True)
        sampling.draw(w.r_restricted)
        w.a_restricted = Audit.objects.get(audit_round=w.r_restricted, enquiry=w.e_restricted)
        services.assign_auditor(w.a_restricted, cast.lead, w.auditor)
        w.draft = _round(cast.lead, "Not drawn yet", w.tool)
        w.questions = list(w.tool.questions.all())
        cast.other_council_user, cast.board_viewer, cast.partner_referrer  # noqa: B018 (made now, shared)
        return w


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def _full_answers(questions) -> dict[str, str]:
    """Every question answered: the first value of each scale, words for the free text."""
    data = {}
    for q in questions:
        if q.is_free_text:
            data[f"q-{q.key}"] = "Words about it"
        else:
            data[f"q-{q.key}"] = str(q.scale[0]["value"])
    return data


def _audit_url(audit: Audit, page: str = "") -> str:
    return reverse(f"audits:{page or 'audit'}", args=[audit.uuid])


# --- My audits -------------------------------------------------------------------------------------


def test_my_audits_lists_an_auditors_own_audits_only(client, w, module_db):
    client.force_login(w.auditor)
    page = body(client.get(reverse("audits:my_audits")))
    assert w.e_front.reference in page and w.e_restricted.reference in page
    assert w.e_locality.reference not in page
    client.force_login(w.pauditor)
    page = body(client.get(reverse("audits:my_audits")))
    assert w.e_locality.reference in page
    assert w.e_front.reference not in page and w.e_restricted.reference not in page


def test_my_audits_shows_the_practitioner_their_live_audit(client, w, module_db):
    client.force_login(w.cast.locality_practitioner)
    page = body(client.get(reverse("audits:my_audits")))
    assert "Live audits of your work (1)" in page and w.e_locality.reference in page
    client.force_login(w.cast.practitioner)
    page = body(client.get(reverse("audits:my_audits")))
    assert w.e_locality.reference not in page and "Live audits of your work" not in page


@pytest.mark.parametrize("who", ["board_viewer", "partner_referrer", "other_council_user"])
def test_my_audits_is_not_for_board_viewers_or_partner_referrers(client, w, module_db, who):
    client.force_login(getattr(w.cast, who))
    response = client.get(reverse("audits:my_audits"))
    if who == "other_council_user":  # casework staff elsewhere: an empty list of their own
        assert response.status_code == 200 and w.e_front.reference not in body(response)
    else:
        assert response.status_code == 404


# --- Rounds ----------------------------------------------------------------------------------------


def _round_post(w, **overrides) -> dict:
    data = {
        "title": "Self-neglect themed",
        "tool": str(w.tool.pk),
        "rule": AuditRound.Rule.THEMED,
        "risk_type": "Self-Neglect",
        **date_parts("period_start", TODAY - timedelta(days=90)),
        **date_parts("period_end", TODAY),
        **date_parts("as_at", TODAY),
        "sample_size": "3",
        "seed": "",
        "moderation_percent": "20",
    }
    data.update(overrides)
    return data


def test_the_lead_sets_up_a_round(client, w, module_db):
    client.force_login(w.cast.lead)
    assert w.round.title in body(client.get(reverse("audits:rounds")))
    response = client.post(reverse("audits:rounds"), _round_post(w))
    assert response.status_code == 302, body(response)[body(response).find("govuk-error-summary__list") :][
        :600
    ]
    made = AuditRound.objects.get(title="Self-neglect themed")
    assert response.status_code == 302 and response["Location"] == reverse("audits:round", args=[made.slug])
    assert (made.council_id, made.risk_type, made.status) == (w.cast.council.pk, "Self-Neglect", "draft")
    assert made.seed, "a blank seed is made from the title, so the sample is still reproducible"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"risk_type": ""}, services.RISK_TYPE_NEEDED),
        ({**date_parts("period_end", TODAY - timedelta(days=100))}, services.PERIOD_ORDER),
        ({**date_parts("as_at", TODAY + timedelta(days=1))}, "The ‘as at’ date must be today or in the past"),
        ({"sample_size": "0"}, services.SAMPLE_SIZE),
        ({"sample_size": "lots"}, "The sample size must be a whole number, like 2"),
        ({"moderation_percent": "101"}, "The share moderated must be from 0 to 100"),
        ({"title": ""}, "Enter a title for the round"),
        ({"tool": "999999"}, "Select an audit tool"),
        ({"rule": "everything"}, "Select a valid choice. everything is not one of the available choices."),
    ],
)
def test_a_round_with_bad_settings_is_refused_with_a_message(client, w, module_db, overrides, message):
    client.force_login(w.cast.lead)
    response = client.post(reverse("audits:rounds"), _round_post(w, **overrides))
    if message.startswith("Select a valid choice"):
        assert response.status_code == 200 and "There is a problem" in body(response)
    else:
        assert_error(response, message)
    assert not AuditRound.objects.filter(title="Self-neglect themed").exists()


@pytest.mark.parametrize("who", ["practitioner", "manager", "board_viewer", "other_council_user"])
def test_rounds_are_the_leads_alone(client, w, module_db, who):
    client.force_login(getattr(w.cast, who))
    expected = 200 if who == "other_council_user" else 404  # Hillside's lead: Hillside's rounds only
    response = client.get(reverse("audits:rounds"))
    assert response.status_code == expected
    if expected == 200:
        assert w.round.title not in body(response)
    assert client.get(reverse("audits:round", args=[w.round.slug])).status_code == 404
    assert client.post(reverse("audits:draw", args=[w.draft.slug])).status_code == 404
    client.force_login(w.auditor)
    assert client.get(reverse("audits:rounds")).status_code == 404


def test_the_round_page_shows_the_sample_and_draws_once(client, w, module_db):
    client.force_login(w.cast.lead)
    page = body(client.get(reverse("audits:round", args=[w.round.slug])))
    assert w.e_front.reference in page and w.e_locality.reference in page
    assert w.e_restricted.reference not in page
    draft = reverse("audits:round", args=[w.draft.slug])
    assert "Draw the sample" in body(client.get(draft))
    assert client.post(reverse("audits:draw", args=[w.draft.slug])).status_code == 302
    first = list(Audit.objects.filter(audit_round=w.draft).values_list("concern_id", flat=True))
    assert first, "the draft round's period holds enquiries"
    client.post(reverse("audits:draw", args=[w.draft.slug]))
    assert list(Audit.objects.filter(audit_round=w.draft).values_list("concern_id", flat=True)) == first


def test_closing_a_round_stops_answers(client, w, module_db):
    client.force_login(w.cast.lead)
    assert client.post(reverse("audits:close", args=[w.round.slug])).status_code == 302
    assert AuditRound.objects.get(pk=w.round.pk).status == AuditRound.Status.CLOSED
    client.force_login(w.auditor)
    assert client.post(_audit_url(w.a_front), _full_answers(w.questions)).status_code == 404


# --- Assigning -------------------------------------------------------------------------------------


def _assign_url(w, audit):
    return reverse("audits:assign", args=[audit.audit_round.slug, audit.uuid])


def test_the_lead_assigns_an_auditor(client, w, module_db):
    client.force_login(w.cast.lead)
    assert client.get(_assign_url(w, w.a_front)).status_code == 200
    response = client.post(_assign_url(w, w.a_front), {"auditor": w.second.pk, "mode": "standard"})
    assert response.status_code == 302
    assert Audit.objects.get(pk=w.a_front.pk).auditor_id == w.second.pk


def test_live_mode_names_the_practitioner_who_leads_the_record(client, w, module_db):
    client.force_login(w.cast.lead)
    client.post(_assign_url(w, w.a_front), {"auditor": w.second.pk, "mode": "live"})
    audit = Audit.objects.get(pk=w.a_front.pk)
    assert (audit.mode, audit.practitioner_id) == ("live", w.cast.practitioner.pk)


@pytest.mark.parametrize(
    ("who", "mode", "message"),
    [
        ("practitioner", "standard", services.OWN_WORK),  # leads the Front Door enquiry
        ("practitioner", "live", services.PRACTITIONER_AUDITS),
        ("stranger", "standard", services.NOT_AN_AUDITOR),  # a partner that does not work with Riverside
        ("board_viewer", "standard", services.NOT_AN_AUDITOR),
        (None, "standard", services.NOT_AN_AUDITOR),
    ],
)
def test_an_auditor_who_may_not_audit_the_record_is_refused(client, w, module_db, who, mode, message):
    client.force_login(w.cast.lead)
    user = None if who is None else getattr(w, who, None) or getattr(w.cast, who)
    response = client.post(_assign_url(w, w.a_front), {"auditor": user.pk if user else "", "mode": mode})
    assert_error(response, message)
    assert Audit.objects.get(pk=w.a_front.pk).auditor_id == w.auditor.pk


def test_assigning_is_the_leads_alone(client, w, module_db):
    for user in (w.auditor, w.cast.manager, w.cast.other_council_user):
        client.force_login(user)
        assert client.get(_assign_url(w, w.a_front)).status_code == 404
        assert (
            client.post(_assign_url(w, w.a_front), {"auditor": user.pk, "mode": "standard"}).status_code
            == 404
        )


# --- The audit page --------------------------------------------------------------------------------


def test_the_auditor_reads_the_sampled_record_and_each_view_is_logged(client, w, module_db):
    client.force_login(w.auditor)
    before = AccessLog.objects.filter(user=w.auditor).count()
    page = body(client.get(_audit_url(w.a_front)))
    assert w.e_front.reference in page and w.e_front.concern.reference in page and "Quill" in page
    logged = set(
        AccessLog.objects.filter(user=w.auditor).order_by("-pk")[:10].values_list("record_type", "record_id")
    )
    assert AccessLog.objects.filter(user=w.auditor).count() == before + 4
    assert {
        ("concerns.concern", w.e_front.concern.uuid),
        ("enquiries.enquiry", w.e_front.uuid),
        ("people.person", w.e_front.person.uuid),
        ("audits.audit", w.a_front.uuid),
    } <= logged
    client.get(_audit_url(w.a_front))
    assert AccessLog.objects.filter(user=w.auditor).count() == before + 8, "each view"


def test_an_auditor_opens_no_other_record(client, w, module_db):
    client.force_login(w.auditor)
    for path in (
        f"/enquiries/{w.e_front.reference}/",
        f"/concerns/{w.e_front.concern.reference}/",
        f"/people/{w.e_front.person.uuid}/",
        f"/enquiries/{w.e_unsampled.reference}/",
        _audit_url(w.a_locality),  # the partner auditor's
    ):
        assert client.get(path).status_code == 404, path
    client.force_login(w.pauditor)
    assert client.get(_audit_url(w.a_front)).status_code == 404
    assert client.get(_audit_url(w.a_restricted)).status_code == 404


def test_a_restricted_record_opens_only_in_a_round_that_includes_it(client, w, module_db):
    client.force_login(w.auditor)
    assert client.get(_audit_url(w.a_restricted)).status_code == 200
    # The same record in a round that leaves restricted records out: not open, whoever asks.
    AuditRound.objects.filter(pk=w.r_restricted.pk).update(include_restricted=False)
    assert client.get(_audit_url(w.a_restricted)).status_code == 404
    client.force_login(w.cast.lead)
    assert client.get(_audit_url(w.a_restricted)).status_code == 404


def test_a_restricted_record_in_an_including_round_is_still_only_for_those_named_on_it(client, w, module_db):
    """Including restricted records does not widen who sees them: an auditor not named on the
    record, and any partner auditor (partners are never named), get 404 even if assigned."""
    for auditor in (w.second, w.pauditor):
        Audit.objects.filter(pk=w.a_restricted.pk).update(auditor=auditor)
        client.force_login(auditor)
        assert client.get(_audit_url(w.a_restricted)).status_code == 404, auditor
        assert w.e_restricted.reference not in body(client.get(reverse("audits:my_audits")))


def test_an_auditor_loses_the_record_when_the_round_closes_or_they_leave(client, w, module_db):
    client.force_login(w.auditor)
    assert client.get(_audit_url(w.a_front)).status_code == 200
    AuditRound.objects.filter(pk=w.round.pk).update(status=AuditRound.Status.CLOSED)
    assert client.get(_audit_url(w.a_front)).status_code == 404
    assert w.e_front.reference not in body(client.get(reverse("audits:my_audits")))
    client.force_login(w.cast.lead)
    assert client.get(_audit_url(w.a_front)).status_code == 200
    AuditRound.objects.filter(pk=w.round.pk).update(status=AuditRound.Status.OPEN)
    # Re-roled as a Board viewer, or moved to a council the round is not for: no longer an auditor.
    for change in ({"role": "board_viewer"}, {"organisation": w.cast.other_council}):
        User.objects.filter(pk=w.auditor.pk).update(**change)
        client.force_login(User.objects.get(pk=w.auditor.pk))
        assert client.get(_audit_url(w.a_front)).status_code == 404, change
        User.objects.filter(pk=w.auditor.pk).update(role=Role.CASE_FILE_AUDITOR, organisation=w.cast.council)


@pytest.mark.parametrize("who", ["practitioner", "manager", "board_viewer", "other_council_user"])
def test_others_do_not_open_an_audit(client, w, module_db, who):
    client.force_login(getattr(w.cast, who))
    assert client.get(_audit_url(w.a_front)).status_code == 404
    assert client.post(_audit_url(w.a_front, "complete"), {}).status_code == 404


def test_the_lead_reads_an_audit_but_does_not_answer_it(client, w, module_db):
    client.force_login(w.cast.lead)
    page = body(client.get(_audit_url(w.a_front)))
    assert "Save and complete the audit" not in page
    assert client.post(_audit_url(w.a_front), _full_answers(w.questions)).status_code == 404


def test_answers_are_saved_as_you_go_with_their_grade(client, w, module_db):
    scaled = next(q for q in w.questions if not q.is_free_text and any(o["grade"] for o in q.scale))
    option = next(o for o in scaled.scale if o["grade"] is not None)
    client.force_login(w.auditor)
    data = {f"q-{scaled.key}": str(option["value"]), f"q-{scaled.key}-comment": "Clearly recorded"}
    response = client.post(_audit_url(w.a_front), data)
    assert response.status_code == 302
    answer = AuditAnswer.objects.get(audit=w.a_front, question=scaled)
    assert (answer.value, answer.grade, answer.comment) == (
        str(option["value"]),
        option["grade"],
        "Clearly recorded",
    )
    assert Audit.objects.get(pk=w.a_front.pk).status == Audit.Status.IN_PROGRESS


def test_a_value_off_the_scale_is_refused(client, w, module_db):
    scaled = next(q for q in w.questions if not q.is_free_text)
    client.force_login(w.auditor)
    response = client.post(_audit_url(w.a_front), {f"q-{scaled.key}": "brilliant"})
    assert_error(response, services.NOT_IN_SCALE)
    assert not AuditAnswer.objects.filter(audit=w.a_front).exists()


def test_completing_needs_every_required_answer(client, w, module_db):
    required = [q for q in w.questions if q.required]
    assert required
    client.force_login(w.auditor)
    answers = _full_answers(w.questions)
    missing = required[0]
    partial = {k: v for k, v in answers.items() if k != f"q-{missing.key}"}
    response = client.post(_audit_url(w.a_front, "complete"), partial)
    assert_error(response, services.UNANSWERED)
    assert Audit.objects.get(pk=w.a_front.pk).status == Audit.Status.IN_PROGRESS
    response = client.post(_audit_url(w.a_front, "complete"), answers)
    assert response.status_code == 302
    done = Audit.objects.get(pk=w.a_front.pk)
    assert done.status == Audit.Status.COMPLETED and done.completed_at is not None
    # Completed: read-only, for its auditor too.
    assert "Save and complete the audit" not in body(client.get(_audit_url(w.a_front)))
    assert client.post(_audit_url(w.a_front), answers).status_code == 404


def test_the_audit_page_takes_a_fixed_number_of_queries(client, w, module_db, django_assert_max_num_queries):
    client.force_login(w.auditor)
    client.get(_audit_url(w.a_front))  # sessions and the like warmed up
    with django_assert_max_num_queries(40):
        assert client.get(_audit_url(w.a_front)).status_code == 200


# --- Live audits -----------------------------------------------------------------------------------


def test_the_practitioner_adds_their_reflections_to_a_live_audit(client, w, module_db):
    question = w.questions[0]
    client.force_login(w.cast.locality_practitioner)
    page = body(client.get(_audit_url(w.a_locality)))
    assert "Your reflections" in page
    data = {f"r-{question.key}": "I should have asked her sooner", "overall": "Useful to go through"}
    assert client.post(_audit_url(w.a_locality, "reflections"), data).status_code == 302
    audit = Audit.objects.get(pk=w.a_locality.pk)
    assert audit.practitioner_reflections == "Useful to go through"
    assert (
        AuditAnswer.objects.get(audit=audit, question=question).reflection == "I should have asked her sooner"
    )
    # The auditor sees them beside their answers.
    client.force_login(w.pauditor)
    page = body(client.get(_audit_url(w.a_locality)))
    assert "I should have asked her sooner" in page and "Useful to go through" in page


def test_reflections_are_the_practitioners_alone(client, w, module_db):
    for user in (w.pauditor, w.cast.practitioner, w.cast.locality_manager, w.cast.lead):
        client.force_login(user)
        response = client.post(_audit_url(w.a_locality, "reflections"), {"overall": "Mine"})
        assert response.status_code == 404, user
    assert Audit.objects.get(pk=w.a_locality.pk).practitioner_reflections == ""


def test_a_reflection_too_long_is_refused(client, w, module_db):
    client.force_login(w.cast.locality_practitioner)
    response = client.post(_audit_url(w.a_locality, "reflections"), {"overall": "x" * 5001})
    assert_error(response, "Your reflections overall (optional) must be 5,000 characters or fewer")


# --- Moderation ------------------------------------------------------------------------------------


def _complete(audit: Audit, auditor, questions, pick: int = 0) -> None:
    given = {}
    for q in questions:
        if q.is_free_text:
            given[q.pk] = services.Given("", "Words")
        else:
            given[q.pk] = services.Given(str(q.scale[min(pick, len(q.scale) - 1)]["value"]), "Seen")
    services.save_answers(audit, auditor, given)
    services.complete_audit(audit, auditor)


def test_moderation_is_set_up_and_hides_the_first_answers_until_done(client, w, module_db):
    AuditRound.objects.filter(pk=w.round.pk).update(moderation_percent=100)
    client.force_login(w.cast.lead)
    page = client.get(reverse("audits:moderation", args=[w.round.slug]))
    assert page.status_code == 200
    field = f"moderator_{w.a_front.uuid}"
    # The first auditor cannot moderate their own audit.
    response = client.post(reverse("audits:moderation", args=[w.round.slug]), {field: w.auditor.pk})
    assert_error(response, services.SAME_AS_FIRST)
    response = client.post(reverse("audits:moderation", args=[w.round.slug]), {field: w.second.pk})
    assert response.status_code == 302
    moderation = Audit.objects.get(moderates=w.a_front)
    assert moderation.auditor_id == w.second.pk
    _complete(w.a_front, w.auditor, w.questions)
    first_comment = "Seen"
    client.force_login(w.second)
    page = body(client.get(_audit_url(moderation)))
    assert (
        "First auditor" not in page
        and "the first auditor's answers are shown once it is completed" not in page
    )
    assert "Save and complete the audit" in page
    _complete(moderation, w.second, w.questions, pick=1)
    page = body(client.get(_audit_url(moderation)))
    assert "First auditor" in page and first_comment in page
    # The first auditor does not open the moderation, nor the second the first audit.
    assert client.get(_audit_url(w.a_front)).status_code == 404
    client.force_login(w.auditor)
    assert client.get(_audit_url(moderation)).status_code == 404
    assert "Second auditor" in body(client.get(_audit_url(w.a_front)))
    client.force_login(w.cast.lead)
    page = body(client.get(reverse("audits:round", args=[w.round.slug])))
    assert "Agreement by moderated audit" in page


def test_moderation_is_the_leads_alone(client, w, module_db):
    for user in (w.auditor, w.cast.manager, w.cast.other_council_user):
        client.force_login(user)
        assert client.get(reverse("audits:moderation", args=[w.round.slug])).status_code == 404


# --- Learning actions ------------------------------------------------------------------------------


def _action_post(owner_user, **overrides) -> dict:
    data = {
        "action": "Record the person's own words for each outcome",
        "owner": owner_user.pk,
        **date_parts("due_on", TODAY + timedelta(days=14)),
    }
    data.update(overrides)
    return data


def test_a_learning_action_reaches_its_owner_and_their_manager_only(client, w, module_db):
    client.force_login(w.auditor)
    response = client.post(_audit_url(w.a_front, "learning_action_new"), _action_post(w.cast.practitioner))
    assert response.status_code == 302
    action = LearningAction.objects.get(audit=w.a_front)
    words = "Record the person&#x27;s own words for each outcome"
    for user in (w.cast.practitioner, w.cast.manager, w.cast.lead):
        client.force_login(user)
        assert words in body(client.get(reverse("audits:my_audits"))), user
    client.force_login(w.cast.locality_practitioner)
    assert words not in body(client.get(reverse("audits:my_audits")))
    assert (
        client.post(
            reverse("audits:learning_action_done", args=[action.uuid]), {"done_note": "x"}
        ).status_code
        == 404
    )
    # In the worktray: the owner's own, and the manager's team's.
    client.force_login(w.cast.practitioner)
    page = body(client.get(reverse("worktray:index")))
    assert "Learning actions from case file audits (1)" in page and words in page
    client.force_login(w.cast.manager)
    assert "Your team&#x27;s learning actions from case file audits (1)" in body(
        client.get(reverse("worktray:index"))
    )
    client.force_login(w.cast.locality_manager)
    assert words not in body(client.get(reverse("worktray:index")))
    # The owner is notified once, by the audited record's reference alone; it links to their audits.
    from msphub.worktray.emails import record_path
    from msphub.worktray.models import Notification

    (told,) = Notification.objects.filter(kind=Notification.Kind.LEARNING_ACTION)
    assert (told.user, told.reference, told.key) == (
        w.cast.practitioner,
        w.a_front.reference,
        f"learning_action:{action.uuid}",
    )
    assert record_path(told) == reverse("audits:my_audits")


def test_the_owner_marks_a_learning_action_done_with_a_note(client, w, module_db):
    action = services.add_learning_action(
        w.a_front, w.auditor, "Ask about advocacy", w.cast.practitioner, TODAY
    )
    url = reverse("audits:learning_action_done", args=[action.uuid])
    client.force_login(w.cast.practitioner)
    assert_error(client.post(url, {"done_note": "  "}), services.DONE_NOTE)
    assert client.post(url, {"done_note": "Discussed in supervision"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on, action.done_note) == ("done", TODAY, "Discussed in supervision")
    assert client.post(url, {"done_note": "Again"}).status_code == 404, "done once"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"action": ""}, "Enter what will be learned or done"),
        ({**date_parts("due_on", TODAY - timedelta(days=1))}, services.DUE_IN_PAST),
        ({"owner": ""}, services.OWNER_NOT_STAFF),
    ],
)
def test_a_learning_action_with_bad_input_is_refused(client, w, module_db, overrides, message):
    client.force_login(w.auditor)
    response = client.post(
        _audit_url(w.a_front, "learning_action_new"), _action_post(w.cast.practitioner, **overrides)
    )
    assert_error(response, message)
    assert not LearningAction.objects.exists()


def test_a_learning_action_owner_must_be_council_staff(client, w, module_db):
    client.force_login(w.auditor)
    response = client.post(_audit_url(w.a_front, "learning_action_new"), _action_post(w.pauditor))
    assert_error(response, services.OWNER_NOT_STAFF)


def test_only_the_auditor_or_lead_adds_learning_actions(client, w, module_db):
    for user in (w.cast.locality_practitioner, w.pauditor):
        client.force_login(user)
        response = client.post(
            _audit_url(
                w.a_locality if user is w.cast.locality_practitioner else w.a_front, "learning_action_new"
            ),
            _action_post(w.cast.practitioner),
        )
        assert response.status_code == 404
    client.force_login(w.cast.lead)
    assert (
        client.post(
            _audit_url(w.a_front, "learning_action_new"), _action_post(w.cast.practitioner)
        ).status_code
        == 302
    )


# --- A concern that did not become an enquiry ------------------------------------------------------


def test_a_concern_without_an_enquiry_is_audited_with_its_decision(client, w, module_db):
    from msphub.concerns import services as concern_services

    cast = w.cast
    concern = new_concern(cast.council)
    concern_services.link_person(concern, new_person(cast.council, family_name="Finch"), cast.practitioner)
    decision = concern_services.record_decision(
        concern,
        cast.practitioner,
        {
            "outcome": "none",
            "pathway": "signposted",
            "no_further_action_reason": "",
            "rationale": "Support from the carers' centre is what she wants",
        },
    )
    concern_services.sign_off(decision, cast.manager)
    audit_round = _round(cast.lead, "No enquiry", w.tool, rule=AuditRound.Rule.NO_ENQUIRY)
    sampling.draw(audit_round)
    audit = Audit.objects.get(audit_round=audit_round, concern=concern)
    assert audit.enquiry_id is None
    # The practitioner who decided it leads it: not its auditor alone, but live with them.
    response = client.post(_assign_url(w, audit), {"auditor": "", "mode": "standard"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(cast.lead)
    response = client.post(_assign_url(w, audit), {"auditor": cast.practitioner.pk, "mode": "standard"})
    assert_error(response, services.OWN_WORK)
    client.post(_assign_url(w, audit), {"auditor": w.auditor.pk, "mode": "live"})
    assert Audit.objects.get(pk=audit.pk).practitioner_id == cast.practitioner.pk
    client.force_login(w.auditor)
    page = body(client.get(_audit_url(audit)))
    assert concern.reference in page and "Support from the carers" in page and "Finch" in page


# --- Bounded pages and the answer rule -------------------------------------------------------------


def test_my_audits_and_the_round_page_take_a_fixed_number_of_queries(
    client, w, module_db, django_assert_max_num_queries
):
    for _ in range(5):
        services.add_learning_action(w.a_front, w.auditor, "Ask sooner", w.cast.practitioner, TODAY)
    client.force_login(w.cast.lead)
    client.get(reverse("audits:my_audits"))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("audits:my_audits")).status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(reverse("audits:round", args=[w.round.slug])).status_code == 200


@given(value=st.text(max_size=60))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_posted_value_is_on_the_scale_or_refused(world_once, value):
    """Whatever is posted as an answer: no error for a value on the question's scale, the scale's
    message for anything else, the free-text message on a free-text question; never an exception."""
    for question in world_once.questions:
        errors = services.answer_errors([question], {question.pk: services.Given(value, "")})
        on_scale = value in {str(o["value"]) for o in question.scale}
        if not value:
            assert errors == {}
        elif question.is_free_text:
            assert errors == {question.key: services.FREE_TEXT_VALUE}
        else:
            assert errors == ({} if on_scale else {question.key: services.NOT_IN_SCALE})


# --- Review fixes: restricted records, hidden opinions, locks, slugs, the tool button -------------


@pytest.mark.parametrize(
    ("who", "message"),
    [("second", services.RESTRICTED_NOT_NAMED), ("pauditor", services.RESTRICTED_PARTNER)],
)
def test_a_restricted_record_is_assigned_only_to_someone_named_on_it(client, w, module_db, who, message):
    client.force_login(w.cast.lead)
    response = client.post(
        _assign_url(w, w.a_restricted), {"auditor": getattr(w, who).pk, "mode": "standard"}
    )
    assert_error(response, message)
    assert Audit.objects.get(pk=w.a_restricted.pk).auditor_id == w.auditor.pk
    # Named on the record first, a council auditor may have it.
    if who == "second":
        w.e_restricted.person.restricted_to.add(w.second)
        response = client.post(_assign_url(w, w.a_restricted), {"auditor": w.second.pk, "mode": "standard"})
        assert response.status_code == 302
        assert Audit.objects.get(pk=w.a_restricted.pk).auditor_id == w.second.pk


def test_a_restricted_record_is_moderated_only_by_someone_named_on_it(w, module_db):
    from django.core.exceptions import ValidationError

    AuditRound.objects.filter(pk=w.r_restricted.pk).update(moderation_percent=100)
    w.r_restricted.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.set_up_moderations(w.r_restricted, w.cast.lead, {w.a_restricted.pk: w.second})
    assert refused.value.message_dict == {f"moderator_{w.a_restricted.uuid}": [services.RESTRICTED_NOT_NAMED]}
    with pytest.raises(ValidationError) as refused:
        services.set_up_moderations(w.r_restricted, w.cast.lead, {w.a_restricted.pk: w.pauditor})
    assert refused.value.message_dict == {f"moderator_{w.a_restricted.uuid}": [services.RESTRICTED_PARTNER]}
    assert not Audit.objects.filter(moderates=w.a_restricted).exists()


def test_the_live_practitioner_sees_the_second_opinion_only_once_both_audits_are_completed(
    client, w, module_db
):
    AuditRound.objects.filter(pk=w.round.pk).update(moderation_percent=100)
    w.round.refresh_from_db()
    (moderation,) = services.set_up_moderations(w.round, w.cast.lead, {w.a_locality.pk: w.second})
    _complete(moderation, w.second, w.questions, pick=1)
    # The moderation is done, the live audit is not: neither the practitioner nor the first auditor
    # sees the second opinion yet.
    for user in (w.cast.locality_practitioner, w.pauditor):
        client.force_login(user)
        assert "Second auditor" not in body(client.get(_audit_url(w.a_locality))), user
    # Nor does the second auditor see the first's answers while the first audit is open.
    client.force_login(w.second)
    page = body(client.get(_audit_url(moderation)))
    assert "First auditor" not in page and "shown once both audits are completed" in page
    a_locality = Audit.objects.get(pk=w.a_locality.pk)
    _complete(a_locality, w.pauditor, w.questions)
    client.force_login(w.cast.locality_practitioner)
    assert "Second auditor" in body(client.get(_audit_url(w.a_locality)))
    client.force_login(w.second)
    assert "First auditor" in body(client.get(_audit_url(moderation)))


def test_a_second_moderation_set_up_at_the_same_moment_makes_nothing_twice(w, module_db, monkeypatch):
    """Two set-ups posted at once: the second waits for the first's lock of the round, then reads the
    picks and the moderations already made. Simulated by making the first's moderation while the
    second takes its lock (after it would once have read what was done)."""
    AuditRound.objects.filter(pk=w.round.pk).update(moderation_percent=100)
    w.round.refresh_from_db()
    real_lock = services.lock_status
    made_by_the_other: list[Audit] = []

    def lock_while_another_commits(record, allowed, refusal, field="status"):
        if isinstance(record, AuditRound) and not made_by_the_other:
            first = w.a_front
            made_by_the_other.append(
                Audit.objects.create(
                    audit_round=w.round,
                    concern_id=first.concern_id,
                    enquiry_id=first.enquiry_id,
                    person_id=first.person_id,
                    team_id=first.team_id,
                    position=first.position,
                    moderates=first,
                    auditor=w.second,
                )
            )
        return real_lock(record, allowed, refusal, field)

    monkeypatch.setattr(services, "lock_status", lock_while_another_commits)
    made = services.set_up_moderations(w.round, w.cast.lead, {w.a_front.pk: w.second})
    assert made == [] and Audit.objects.filter(moderates=w.a_front).count() == 1


def test_reflections_are_refused_once_the_round_is_closed(w, module_db):
    from msphub.core.states import StateChanged

    AuditRound.objects.filter(pk=w.round.pk).update(status=AuditRound.Status.CLOSED)
    with pytest.raises(StateChanged, match="This round is not open"):
        services.save_reflections(w.a_locality, w.cast.locality_practitioner, {}, "Too late")
    assert Audit.objects.get(pk=w.a_locality.pk).practitioner_reflections == ""


def test_a_round_slug_is_built_from_its_rule_and_month_never_its_title(client, w, module_db):
    month = f"{TODAY - timedelta(days=90):%Y-%m}"
    client.force_login(w.cast.lead)
    client.post(reverse("audits:rounds"), _round_post(w, title="Mrs Quill and others"))
    client.post(reverse("audits:rounds"), _round_post(w, title="Mrs Quill and others"))
    slugs = list(
        AuditRound.objects.filter(title="Mrs Quill and others").order_by("pk").values_list("slug", flat=True)
    )
    assert slugs == [f"themed-self-neglect-{month}-1", f"themed-self-neglect-{month}-2"]
    assert w.round.slug.startswith("per-team-month-") and "riverside" not in w.round.slug


def test_a_slug_taken_meanwhile_is_retried_not_a_500(w, module_db, monkeypatch):
    """Another lead's round took the number between reading it and saving: the next one is tried."""
    real_next = services._next_slug
    calls: list[str] = []

    def stale_first(base: str) -> str:
        calls.append(base)
        return w.round.slug if len(calls) == 1 else real_next(base)

    monkeypatch.setattr(services, "_next_slug", stale_first)
    made = _round(w.cast.lead, "Riverside monthly audit", w.tool)
    assert len(calls) == 2 and made.slug != w.round.slug and made.slug.startswith("per-team-month-")


def test_loading_the_tool_when_the_shipped_file_changed_shows_a_message(
    client, w, module_db, tmp_path, monkeypatch
):
    shipped = (tools.SHIPPED / tools.SHIPPED_TOOL).read_text(encoding="utf-8")
    (tmp_path / tools.SHIPPED_TOOL).write_text(
        shipped.replace("title: Making", "title: Changed"), encoding="utf-8"
    )
    monkeypatch.setattr(tools, "SHIPPED", tmp_path)
    client.force_login(w.cast.lead)
    response = client.post(reverse("audits:rounds"), {"action": "load_tool"}, follow=True)
    assert response.status_code == 200
    page = body(response)
    assert "The MSP tool could not be loaded" in page and "already loaded with different text" in page
