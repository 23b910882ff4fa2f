"""The session engine (``SESSION_ENGINE``): Django's ``cached_db``, which looks a session up
only by a key it could have made.

Django's keys are 32 lowercase letters and digits. Any other cookie value (spaces, quotes,
kilobytes) was still looked up in the cache and the database, and the cache wrote a
``CacheKeyWarning`` with the whole forged value to the log on every request. Now such a
cookie is no session at all, as an unknown key always was.
"""

import re

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

_KEY = re.compile(f"[{re.escape(VALID_KEY_CHARS)}]{{32}}")


class SessionStore(CachedDBStore):
    def _validate_session_key(self, key):
        return isinstance(key, str) and _KEY.fullmatch(key) is not None
