from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "msphub.enquiries"
    label = "enquiries"
    verbose_name = "Enquiries"
