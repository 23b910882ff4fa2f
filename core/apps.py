from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What is not the domain's: background jobs, the tabular reader, time parsing, rate
    limits, the PDF helper and the shared upload-preview-confirm flow."""

    name = "core"
