"""Test settings: the fast hasher, a throw-away MEDIA_ROOT, SMS kept in memory.

Runs on SQLite by default; ``DATABASE_URL``/``REDIS_URL`` switch the suite to
the real PostgreSQL and Redis (``make test-services``).
"""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="cuocthi-media-")
PRIVATE_ROOT = SENDFILE_ROOT = tempfile.mkdtemp(prefix="cuocthi-private-")
# Each process of the suite (pytest-xdist's workers too) makes its own two and removes them
# when it ends: they were left in /tmp, hundreds of them, with the sheets' test scans.
for _made in (MEDIA_ROOT, PRIVATE_ROOT):
    atexit.register(shutil.rmtree, _made, ignore_errors=True)
SMS_BACKEND = "accounts.sms.LocmemBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "core.storage.PrivateStorage", "OPTIONS": {"location": PRIVATE_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = env("SQLITE_PATH", default=":memory:")
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_PATH", default=None)}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The live test server answers in short-lived threads: persistent connections
# would outlive them and keep the test database from being dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# No pool in the test process: pytest-django creates and drops the test database,
# which a pool holding connections to it would block. The servers the services tests
# start (config.settings.local) run with the pool, as production does.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A statement that runs away (a bad plan) fails its test with the statement in the
    # error, instead of hanging the suite until CI's budget is gone.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=180s"
# The suite's own tests run against one database; pytest-django would refuse queries to
# a second alias. The replica routing is tested with real processes against the real
# replica (tests/test_replica.py reads DATABASE_REPLICA_URL itself).
if "replica" in DATABASES:
    del DATABASES["replica"]
    DATABASE_ROUTERS = []
    MIDDLEWARE = [m for m in MIDDLEWARE if m != "config.dbrouter.ReplicaMiddleware"]  # noqa: F405
