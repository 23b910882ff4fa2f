from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContestConfig(AppConfig):
    name = "contest"
    verbose_name = _("Cuộc thi")

    def ready(self):
        from django.db.backends.signals import connection_created

        from contest.results.lots import register_sqlite_functions

        connection_created.connect(register_sqlite_functions)
