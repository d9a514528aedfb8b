"""The shapes of the API's requests and answers, for the OpenAPI schema (drf-spectacular reads them).

The concern's fields are made from the concern form's questions (``questions.QUESTIONS``), so the
schema says what the form asks. Requests are not validated by these serializers: ``questions.read``
checks the JSON types and the form's rules do the rest (api/services.py)."""

from typing import Any

from rest_framework import serializers

from msphub.concerns.models import Concern

from .questions import QUESTIONS, Kind, Question

# The rules a field's type cannot say, in its description.
CONDITIONS = {
    "raiser_phone": "Give a phone number or an email address (or both).",
    "raiser_email": "Give a phone number or an email address (or both).",
    "raiser_organisation_name": "Left out, the name of the organisation the token is for.",
    "care_provider_name": 'Required when source_of_risk is "Service Provider".',
    "consent_not_given_reason": 'Required when consent is "not_given".',
    "consent_not_sought_reason": 'Required when consent is "not_sought".',
    "wants_to_happen": "Required when msp_asked is true.",
    "not_asked_reason": "Required when msp_asked is false.",
    "adult_date_of_birth": "As YYYY-MM-DD. The adult must be 18 or over.",
    "happened_on": "As YYYY-MM-DD, today or before.",
}


def _description(question: Question) -> str:
    parts = [question.label if question.label.endswith(("?", ".")) else question.label + "."]
    if question.help_text:
        parts.append(question.help_text.rstrip(".") + ".")
    if question.name in CONDITIONS:
        parts.append(CONDITIONS[question.name])
    return " ".join(parts)


def _field(question: Question) -> serializers.Field:
    common: dict[str, Any] = {"required": question.required, "help_text": _description(question)}
    if question.kind in (Kind.YES_NO, Kind.TICK):
        return serializers.BooleanField(**common)
    if question.kind == Kind.CHOICE:
        return serializers.ChoiceField(choices=list(question.choices), **common)
    if question.kind == Kind.CHOICES:
        return serializers.ListField(
            child=serializers.ChoiceField(choices=list(question.choices)),
            allow_empty=not question.required,
            **common,
        )
    if question.kind == Kind.DATE:
        return serializers.DateField(**common)
    return serializers.CharField(
        max_length=question.max_length or None,  # None: no limit
        allow_blank=not question.required,
        trim_whitespace=False,
        **common,
    )


RaiseConcernSerializer = type(
    "RaiseConcernSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "A safeguarding concern, answering the questions of the concern form.",
        "__module__": __name__,
        **{name: _field(question) for name, question in QUESTIONS.items()},
    },
)


class RaisedSerializer(serializers.Serializer):
    """The concern was raised (or, with an Idempotency-Key used before, had been)."""

    reference = serializers.CharField(
        help_text="The council's reference for the concern, like CON-2026-000123."
    )


class ConcernStatusSerializer(serializers.Serializer):
    """What a partner system is told of a concern its organisation raised. Nothing about the adult."""

    reference = serializers.CharField(help_text="The council's reference, like CON-2026-000123.")
    raiser_reference = serializers.CharField(help_text="Your organisation's own reference, as sent.")
    status = serializers.ChoiceField(
        choices=list(dict.fromkeys(str(words) for words in Concern.PARTNER_STATUS.values())),
        help_text="Where the concern is, in the words partners are told.",
    )
    received_on = serializers.DateField(help_text="The day the council received it.")
    decision = serializers.CharField(
        help_text="What the council decided, in the words the referrer is told on their page: whether "
        "it is making a safeguarding enquiry or, if not, what happens instead. Told once a manager has "
        "signed the decision off; until then, that the council has not decided yet.",
    )
    outcome_for_referrer = serializers.CharField(
        allow_null=True, help_text="What the council has written for the referrer about the outcome."
    )


class ProblemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="The field (or header, such as Idempotency-Key) the problem is about; null for the "
        "request as a whole.",
    )
    message = serializers.CharField(help_text="What is wrong, in words to show a person.")


class ErrorsSerializer(serializers.Serializer):
    """Every problem with the request, each naming its field."""

    errors = ProblemSerializer(many=True)  # a field named "errors"
