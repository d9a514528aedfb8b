"""``{% part_of_whole_service concern %}``: "Part of whole-service enquiry WSE-..." on an adult's
concern or enquiry page, for those who may see the whole-service enquiry (docs/providers.md)."""

from typing import Any

from django import template

from msphub.providers import services

register = template.Library()


@register.inclusion_tag("providers/_part_of.html", takes_context=True)
def part_of_whole_service(context: template.Context, concern: Any) -> dict[str, Any]:
    """The whole-service enquiries the adult's ``concern`` (the enquiry's, on an enquiry page) is
    linked to, as the viewer may see them (``services.whole_service_enquiries_of``); nothing for
    anyone else."""
    return {"whole_service_enquiries": services.whole_service_enquiries_of(context["request"].user, concern)}
