from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "msphub.documents"
    label = "documents"
    verbose_name = "Documents"
