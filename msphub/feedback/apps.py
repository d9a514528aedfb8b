from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "msphub.feedback"
    label = "feedback"
    verbose_name = "Independent and direct feedback"
