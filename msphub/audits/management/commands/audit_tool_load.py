"""Load an audit tool from YAML: ``python manage.py audit_tool_load PATH``.

A malformed tool is refused whole: nothing is written, and every problem is printed with its line.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.audits import tools


class Command(BaseCommand):
    help = "Load an audit tool (YAML, the format of docs/audits.md); a malformed one is refused whole."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The tool's YAML file")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            tool = tools.load(text)
        except tools.ToolProblems as exc:
            problems = "\n".join(f"  {p}" for p in exc.problems)
            raise CommandError(f"{path} was not loaded; nothing was changed:\n{problems}") from exc
        self.stdout.write(f"Loaded {tool.title} version {tool.version} ({tool.questions.count()} questions)")
