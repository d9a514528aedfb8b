"""python manage.py send_notifications [--digest] [--background]

Makes the notifications for work falling due (first contacts, reviews, plan actions, sign-offs),
then emails them: without --digest, one email a notification to users who asked for each as it
comes; with --digest, one email a user to those who asked for a daily digest. Running it again sends
nothing new. Run it every few minutes, and with --digest once a day (docs/deploy.md); --background
queues it as a task instead (worktray/tasks.py).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import TaskResultStatus

from msphub.worktray.emails import Sent, send_notifications
from msphub.worktray.tasks import send_notifications_task


class Command(BaseCommand):
    help = "Notify people of work falling due and email the notifications not yet emailed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digest",
            action="store_true",
            help="Send the daily digest (one email a user) to those who asked for it",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue it as a background task and print its id (run by `manage.py db_worker` "
            "when TASKS_BACKEND=database)",
        )

    def handle(self, *args: Any, digest: bool = False, background: bool = False, **options: Any) -> None:
        if background:
            result = send_notifications_task.enqueue(digest=digest)
            if result.status == TaskResultStatus.FAILED:  # the immediate backend runs it at once
                raise CommandError(f"Task {result.id} failed: {result.errors[-1].exception_class_path}")
            self.stdout.write(f"Task {result.id} ({result.status.lower()})")
            if result.status == TaskResultStatus.SUCCESSFUL and result.return_value is not None:
                self.report(Sent(**result.return_value))
            return
        self.report(send_notifications(digest=digest))

    def report(self, sent: Sent) -> None:
        self.stdout.write(
            f"{sent.due} notifications of work falling due (each made once); {sent.notified} emailed in "
            f"{sent.emails} emails" + (f"; {sent.failed} users could not be emailed" if sent.failed else "")
        )
