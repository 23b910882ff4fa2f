"""Public read-only pages read from a PostgreSQL streaming replica; everything else from
the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (``config/settings/base.py`` then adds
the ``replica`` alias, ``ReplicaRouter`` and ``ReplicaMiddleware``). The rules:

- every write goes to the primary (``db_for_write`` never answers ``replica``), and so
  does every read inside a transaction on the primary (``select_for_update`` and
  read-then-write need the primary's rows);
- the signed-in account and the session are always read from the primary (a lagging copy
  would sign the person out: ``PRIMARY_ONLY``);
- reads go to the replica only while ``ReplicaMiddleware`` serves a GET or HEAD of one
  of ``PUBLIC_READ_ONLY`` (home, contest page, results, ``live.json``, the public form
  downloads) for a browser that has not written in the last ``READ_YOUR_WRITES_SECONDS``:
  any POST, PUT, PATCH or DELETE sets a short-lived cookie that pins that browser to the
  primary, so a resident sees their own entry right after sending it even if the
  replica lags;
- when the replica cannot be reached (or fails mid-page), the page is served again from
  the primary and the replica is left alone for ``REPLICA_RETRY_SECONDS`` (a memo per
  process), so a stopped replica costs one short connect timeout, not one per request.
"""

import contextvars
import logging
import time

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)

REPLICA = "replica"
# URL names (namespace:name) whose GET is a public page that a slightly old copy may answer.
PUBLIC_READ_ONLY = frozenset(
    {
        "contest:home",
        "contest:detail",
        "contest:results",
        "contest:live_json",
        "contest:public_form",
    }
)
PRIMARY_COOKIE = "cuocthi_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})

logger = logging.getLogger("cuocthi.dbrouter")
_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_replica", default=False
)
_replica_down_until = 0.0  # time.monotonic() before which this process leaves the replica


def replica_down(seconds: float | None = None) -> None:
    """Remember that the replica failed: reads stay on the primary for ``seconds``."""
    global _replica_down_until
    if seconds is None:
        seconds = getattr(settings, "REPLICA_RETRY_SECONDS", 10)
    _replica_down_until = time.monotonic() + seconds


def replica_usable() -> bool:
    """True when the replica is configured and not remembered as down."""
    return REPLICA in settings.DATABASES and time.monotonic() >= _replica_down_until


# What says who is signed in is always read from the primary, public page or not: on a copy
# that lags, a password just changed makes Django flush the session (the account's hash
# differs from the session's) and a session just made looks absent (its cookie is deleted),
# so a resident would be signed out everywhere by a few seconds of lag.
PRIMARY_ONLY = frozenset({settings.AUTH_USER_MODEL.lower(), "sessions.session"})


class ReplicaRouter:
    """Reads of a public page on the replica; all writes, and all other reads, on the primary."""

    def db_for_read(self, model, **hints):
        if (
            _reading_replica.get()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and model._meta.label_lower not in PRIMARY_ONLY
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _wants_replica(request) -> bool:
    match = request.resolver_match
    return (
        request.method in SAFE_METHODS
        and PRIMARY_COOKIE not in request.COOKIES
        and match is not None
        and match.view_name in PUBLIC_READ_ONLY
    )


class ReplicaMiddleware:
    """Chooses the database of a request's reads (see the module docstring).

    Must come after ``AttemptSweepMiddleware`` (innermost), so that the sweep, which
    reads and writes, always runs on the primary. The view is resolved here
    (``process_view``) because ``request.resolver_match`` is set only then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reading_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_replica.reset(token)
        if request.method not in SAFE_METHODS:
            seconds = getattr(settings, "READ_YOUR_WRITES_SECONDS", 10)
            response.set_cookie(
                PRIMARY_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _wants_replica(request) and replica_usable():
            try:
                connections[REPLICA].ensure_connection()
            except (OperationalError, InterfaceError) as error:
                self._give_up_replica(error)
            else:
                _reading_replica.set(True)
        return None

    def process_exception(self, request, exception):
        """A replica that fails mid-page: serve the same (read-only) page from the primary."""
        # Any database error on the replica (unreachable, or lagging behind a migration:
        # "relation does not exist") is retried once on the primary, which answers for itself.
        if not (_reading_replica.get() and isinstance(exception, DatabaseError)):
            return None
        self._give_up_replica(exception)
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)

    @staticmethod
    def _give_up_replica(error: Exception) -> None:
        logger.warning("replica unavailable, reading from the primary: %s", error)
        replica_down()
        _reading_replica.set(False)
        if REPLICA in settings.DATABASES:
            try:
                connections[REPLICA].close()
            except (OperationalError, InterfaceError):
                connections[REPLICA].connection = None  # dead already: drop it
