"""Background work for the worktray: emailing notifications (``send_notifications``) as a task.

Through the django-tasks API, as ``measures.tasks``: it runs at once where it is enqueued by default
(development and tests), or is queued in the database for ``manage.py db_worker`` processes when
TASKS_BACKEND=database. Its argument and result are JSON: a flag and counts, never anyone's details.
"""

from dataclasses import asdict

from django_tasks import task

from .emails import send_notifications


@task()
def send_notifications_task(digest: bool = False) -> dict[str, int]:
    """Make the notifications for work falling due and email them (``digest``: one email a user)."""
    return asdict(send_notifications(digest=digest))
