"""The embedded default: one process, SQLite, nothing else to install."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Serve static files straight from the source folders while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Question pictures (the only public uploads) are served by the app itself: the embedded
# default has no web server in front, and `make run` runs with DEBUG off. Production
# leaves them to nginx's /media/ alias (docs/operators.md).
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)
