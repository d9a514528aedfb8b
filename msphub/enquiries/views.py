from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from msphub.core.access import get_record

from .models import Enquiry


@require_GET
def enquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = get_record(
        request,
        Enquiry.objects.select_related("person", "lead_practitioner", "team", "concern"),
        reference=reference,
    )
    return render(request, "enquiries/detail.html", {"enquiry": enquiry})
