from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContestConfig(AppConfig):
    name = "contest"
    verbose_name = _("Cuộc thi")

    def ready(self):
        # noqa comments: imports in ready() run once the app registry is loaded, as Django asks.
        from django.db.backends.signals import connection_created  # noqa: PLC0415

        from contest.results.lots import register_sqlite_functions  # noqa: PLC0415

        connection_created.connect(register_sqlite_functions)
