"""python manage.py seed_demo [--seed N] [--force] [--scale X]: build (or rebuild) the demo councils' data."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.concerns.models import Concern
from msphub.demo import content
from msphub.demo.build import DemoBuilder
from msphub.demo.partners_demo import PARTNER_USERNAMES
from msphub.demo.tempcheck_demo import seed_tempcheck
from msphub.enquiries.models import Enquiry


class Command(BaseCommand):
    help = (
        "Create demo councils, partners, users, about 320 concerns and over 100 enquiries at every stage, "
        "a round of case file audits, Safeguarding Adults Reviews, a draft annual report and a "
        "whole-service enquiry about a care home with partner-owned actions. "
        "Running it again "
        "deletes the demo councils' casework and rebuilds the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off (it deletes demo casework)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Fraction of the usual number of concerns to build; 1 (the default) is the full demo",
        )

    def handle(self, *args: Any, seed: int, force: bool, scale: float = 1.0, **options: Any) -> None:
        # Rebuilding deletes every concern, person and enquiry of the demo councils; a production
        # database that happens to hold a council with a demo ONS code must not lose them by accident.
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo deletes and rebuilds the demo councils' records, so it only runs with "
                "DEBUG on. Use --force to run it anyway."
            )
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        started = time.monotonic()
        summary = DemoBuilder(seed=seed, scale=scale).build()
        seed_tempcheck()
        seconds = time.monotonic() - started

        out = self.stdout
        out.write(f"Demo data built with seed {seed} in {seconds:.1f}s.")
        for council in (content.RIVERSIDE["name"], content.HILLSIDE["name"]):
            counts = [
                f"{label.lower()} {summary['by_status'].get((council, value), 0)}"
                for value, label in Concern.Status.choices
            ]
            out.write(f"  {council}: " + ", ".join(counts))
        out.write(
            f"  {summary['concerns']} concerns about {summary['people']} people "
            f"({summary['repeat_concerns']} repeat concerns); enquiries: {summary['s42']} section 42, "
            f"{summary['other']} other; spoken to within 24 hours: {summary['within_24h']}; "
            f"first contact overdue: {summary['overdue']}"
        )
        enquiries = ", ".join(
            f"{label.lower()} {summary['enquiries_by_status'].get(value, 0)}"
            for value, label in Enquiry.Status.choices
        )
        out.write(
            f"  Enquiries: {enquiries}; review overdue: {summary['review_overdue']}; feedback from "
            f"{summary['feedback']} people or representatives, {summary['feedback_due']} still to ask"
        )
        assurance = summary["assurance"]
        out.write(
            f"  Case file audits: {assurance['audits']} sampled, {assurance['completed']} completed, "
            f"{assurance['moderations']} moderated, {assurance['learning_actions']} learning actions; "
            f"Safeguarding Adults Reviews: {assurance['reviews']} with {assurance['recommendations']} "
            "recommendations; a draft annual report for this year"
        )
        partners = summary["partners"]
        out.write(
            f"  Working with partners: {partners['whole_service_enquiries']} whole-service enquiry about "
            f"Meadowview Care Home with {partners['linked_adults']} adults; {partners['partner_actions']} "
            f"plan actions owned by partners ({partners['partner_actions_overdue']} overdue); "
            f"{partners['responses']} responses used recorded on closed enquiries"
        )
        usernames = ", ".join([*content.USERNAMES, *PARTNER_USERNAMES])
        out.write(f"  {summary['users']} users ({usernames}), password {content.PASSWORD}")
        out.write(
            "  Case file auditors: auditor (Riverside Council) and police_auditor (Riverside Police) "
            "open only the records sampled for them, at /audits/"
        )
        out.write(
            "  Temperature check: national 2016 round (115 councils), the 2014/15 baseline, London 2016 "
            "(later councils, 7, to merge with the national round's London cut), a road-map round and a "
            "2026 round; users network_lead (national), london_lead (London), interviewer and "
            "london_interviewer"
        )
        out.write(self.style.SUCCESS("Done."))
