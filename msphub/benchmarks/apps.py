from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "msphub.benchmarks"
    verbose_name = "Benchmarking"
