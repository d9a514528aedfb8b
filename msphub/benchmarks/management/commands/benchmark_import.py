"""python manage.py benchmark_import PATH [PATH ...] [--replace] [--user USERNAME]

All or nothing: every file is checked first; if any is malformed, claims a council twice, carries
unknown labels or unrounded counts, or is already imported (without --replace), nothing is written.
"""

import getpass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.benchmarks.importer import Upload, import_files
from msphub.core.imports import ImportRefused


class Command(BaseCommand):
    help = "Import councils' benchmark files (all of them, or none if any is wrong)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Benchmark files (JSON)")
        parser.add_argument(
            "--replace", action="store_true", help="Replace a council's figures already imported for the year"
        )
        parser.add_argument("--user", help="Username to record as the importer (default: the system account)")

    def handle(self, *args: Any, paths: list[str], replace: bool, user: str | None, **options: Any) -> None:
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user called {user}")
        uploads, problems = [], []
        for name in paths:
            try:
                uploads.append(Upload(name, Path(name).read_bytes()))
            except OSError as exc:
                problems.append(f"{name}: cannot read it ({exc.strerror})")
        if problems:
            raise CommandError("Nothing was imported.\n  " + "\n  ".join(problems))
        try:
            imported = import_files(
                uploads,
                imported_by=importer,
                imported_by_name=importer.username if importer else f"{getpass.getuser()} (command line)",
                replace=replace,
                replace_hint="run again with --replace",
            )
        except ImportRefused as exc:
            raise CommandError("Nothing was imported.\n  " + "\n  ".join(exc.problems)) from exc
        for submission in imported:
            self.stdout.write(f"Imported {submission.council_name} ({submission.ons_code}) {submission.year}")
        self.stdout.write(self.style.SUCCESS(f"{len(imported)} benchmark files imported."))
