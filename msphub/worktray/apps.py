from django.apps import AppConfig


class WorktrayConfig(AppConfig):
    name = "msphub.worktray"
    label = "worktray"
    verbose_name = "Worktray"
