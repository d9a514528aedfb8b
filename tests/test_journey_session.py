"""Answers kept in the session between question pages (concerns/journey.py)."""

from msphub.concerns import journey


def test_yes_no_answers_saved_as_words_by_an_older_journey_are_read_as_true_and_false():
    """A journey begun before a deploy kept yes/no answers as "yes"/"no": "yes, in danger now" must
    not turn into "no" when it is sent."""
    answers = journey.concern_answers(
        {"answers": {"immediate_danger": "yes", "msp_asked": "no", "what_happened": "yes"}}
    )
    assert answers["immediate_danger"] is True
    assert answers["msp_asked"] is False
    assert answers["what_happened"] == "yes", "free text is left as typed"


def test_the_yes_no_questions_are_found_from_the_forms():
    assert {"immediate_danger", "msp_asked"} <= journey.YES_NO_ANSWERS
