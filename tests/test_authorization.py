"""The authorization walk: every URL pattern of the project, for every role.

Every route is read from the resolver (``get_resolver()``, recursively: admin
and allauth included) and must have a row in ``EXPECTED``; a route without a
row fails the test, naming the route, so a new view cannot arrive without an
authorization rule. Path parameters are filled with real objects of contest X
(its bank, its attempt, its sheet, its job).

Each row gives the answer expected for each role on GET; for the roles that
are refused (login redirect, 403, 404) the same POST (with CSRF checks off)
must be refused the same way, so a role check cannot live on GET only. Views
that only accept POST give their POST answers explicitly.

To add a route: add a row to ``EXPECTED`` (a profile from below, or a dict
role → status) and, if it has a new path parameter, a value in ``_value``.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.roles import CLERKS_GROUP, ORGANIZERS_GROUP
from contest.definition import contest_import
from contest.models import Attempt, ContestMembership
from contest.online.attempts import attempt_start
from contest.paper.importing import paper_import
from core.models import BackgroundJob
from tests.factories import ProfileFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db

ROLES = ("anon", "resident", "clerk_x", "org_x", "org_y", "bank_editor", "superuser")
LOGIN = "login"  # 302 to the sign-in page
ADMIN_LOGIN = "admin_login"  # 302 to the admin's sign-in page
ANY = "any"  # not asserted (a POST-only action the role may take)
REFUSED = {LOGIN, ADMIN_LOGIN, 403, 404}


def _profile(**by_role):
    missing = set(ROLES) - set(by_role)
    assert not missing, missing
    return by_role


# --- profiles: who gets what ---------------------------------------------------------------

PUBLIC = _profile(**dict.fromkeys(ROLES, 200))
SIGNED_IN = _profile(anon=LOGIN, **dict.fromkeys(ROLES[1:], 200))
# Organizers of contest X (and site admins).
ORGANIZER_X = _profile(
    anon=LOGIN,
    resident=403,
    clerk_x=403,
    org_x=200,
    org_y=403,
    bank_editor=403,
    superuser=200,
)
# Clerks and organizers of contest X (and site admins).
CLERK_X = dict(ORGANIZER_X, clerk_x=200)
# The bank of contest X: its owner (org_x) and site admins; other organizers see a 404.
BANK_X = _profile(
    anon=LOGIN,
    resident=403,
    clerk_x=403,
    org_x=200,
    org_y=404,
    bank_editor=404,
    superuser=200,
)
# Organizers of any contest (the site-wide group) may create.
ORGANIZERS = _profile(
    anon=LOGIN, resident=403, clerk_x=403, org_x=200, org_y=200, bank_editor=200, superuser=200
)
# The resident's own attempt: a 404 for anyone else (an id is no proof of anything).
OWN_ATTEMPT = _profile(
    anon=LOGIN, resident=200, clerk_x=404, org_x=404, org_y=404, bank_editor=404, superuser=404
)
# The job's owner (org_x) and site admins.
OWN_JOB = _profile(
    anon=403, resident=403, clerk_x=403, org_x=200, org_y=403, bank_editor=403, superuser=200
)
# Django's admin: site admins only (staff without permissions get 403s).
ADMIN = _profile(
    anon=ADMIN_LOGIN,
    resident=ADMIN_LOGIN,
    clerk_x=ADMIN_LOGIN,
    org_x=403,
    org_y=403,
    bank_editor=403,
    superuser=200,
)
ADMIN_INDEX = dict(ADMIN, org_x=200, org_y=200, bank_editor=200)
POST_ONLY_SIGNED_IN = _profile(anon=LOGIN, **dict.fromkeys(ROLES[1:], 405))


def _with(profile: dict, **changes) -> dict:
    return {**profile, **changes}


# --- the table: pattern → (GET profile, POST profile or None) ------------------------------

ADMIN_MODELS = [
    "auth/group",
    "account/emailaddress",
    "django_tasks_database/dbtaskresult",
    "accounts/user",
    "accounts/unit",
    "accounts/profile",
    "questions/bank",
    "contest/contest",
]

EXPECTED: dict[str, tuple[dict, dict | None]] = {
    # Django admin
    "admin/": (ADMIN_INDEX, None),
    "admin/login/": (_with(PUBLIC, org_x=302, org_y=302, bank_editor=302, superuser=302), None),
    "admin/logout/": (_with(POST_ONLY_SIGNED_IN, anon=302, resident=302, clerk_x=302), None),
    "admin/password_change/": (ADMIN_INDEX, None),
    "admin/password_change/done/": (ADMIN_INDEX, None),
    "admin/autocomplete/": (_with(ADMIN, superuser=403), None),
    "admin/jsi18n/": (ADMIN_INDEX, None),
    # content type 1, object 1 has no public page: a 404 once past the admin's sign-in
    "admin/r/<path:content_type_id>/<path:object_id>/": (
        _with(ADMIN, org_x=404, org_y=404, bank_editor=404, superuser=404),
        None,
    ),
    "admin/^(?P<app_label>auth|account|django_tasks_database|accounts|questions|contest)/$": (
        _with(ADMIN, org_x=404, org_y=404, bank_editor=404),
        None,
    ),
    "admin/(?P<url>.*)$": (
        _with(ADMIN, org_x=404, org_y=404, bank_editor=404, superuser=404),
        None,
    ),
    "admin/accounts/user/<id>/password/": (ADMIN, None),
    # i18n
    "i18n/setlang/": (_with(PUBLIC, **dict.fromkeys(ROLES, 302)), None),
    "jsi18n/": (PUBLIC, None),
    # accounts
    "accounts/captcha.png": (PUBLIC, None),
    "accounts/profile/": (SIGNED_IN, None),
    "accounts/login/": (_with(PUBLIC, **dict.fromkeys(ROLES[1:], 302)), None),
    "accounts/logout/": (_with(PUBLIC, anon=302), None),
    "accounts/inactive/": (PUBLIC, None),
    "accounts/signup/": (_with(PUBLIC, **dict.fromkeys(ROLES[1:], 302)), None),
    "accounts/reauthenticate/": (SIGNED_IN, None),
    "accounts/reauthenticate/code/": (SIGNED_IN, None),
    # django-allauth 65.13+: re-authenticating by a code; with no code pending, back to the form
    "accounts/reauthenticate/code/confirm/": (
        _with(SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)),
        None,
    ),
    "accounts/email/": (SIGNED_IN, None),
    "accounts/confirm-email/": (PUBLIC, None),
    "accounts/password/change/": (SIGNED_IN, None),
    "accounts/password/set/": (_with(SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)), None),
    "accounts/password/reset/": (PUBLIC, None),
    "accounts/login/code/confirm/": (
        _with(PUBLIC, anon=LOGIN, **dict.fromkeys(ROLES[1:], 302)),
        None,
    ),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": (PUBLIC, None),  # "this link is not valid"
    "accounts/phone/verify/": (_with(PUBLIC, anon=LOGIN, **dict.fromkeys(ROLES[1:], 302)), None),
    "accounts/phone/change/": (SIGNED_IN, None),
    "accounts/password/reset/confirm/": (_with(PUBLIC, **dict.fromkeys(ROLES, LOGIN)), None),
    "accounts/password/reset/complete/": (_with(PUBLIC, **dict.fromkeys(ROLES, 302)), None),
    "accounts/password/reset/done/": (PUBLIC, None),
    "accounts/login/code/": (_with(PUBLIC, **dict.fromkeys(ROLES[1:], 302)), None),
    # question banks
    "questions/": (ORGANIZERS, None),
    "questions/<slug:slug>/": (BANK_X, None),
    "questions/<slug:slug>/new/": (BANK_X, None),
    "questions/<slug:slug>/import/": (BANK_X, None),
    "questions/<slug:slug>/owners/": (
        _with(POST_ONLY_SIGNED_IN, superuser=405),
        _with(BANK_X, org_x=ANY, superuser=ANY),
    ),
    "questions/<slug:slug>/export.<str:fmt>": (BANK_X, None),
    "questions/<slug:slug>/q/<str:code>/": (BANK_X, None),
    "questions/<slug:slug>/q/<str:code>/history/": (BANK_X, None),
    "questions/<slug:slug>/q/<str:code>/archive/": (
        POST_ONLY_SIGNED_IN,
        _with(BANK_X, org_x=ANY, superuser=ANY),
    ),
    # participants
    "": (PUBLIC, None),
    "time/": (PUBLIC, None),
    "me/entries/": (SIGNED_IN, None),
    "contests/<slug:slug>/": (PUBLIC, None),
    # Start: staff of X, bank owners and site admins are refused with a message (302 back).
    # A GET (the end of signing in again on the way) leads back to the contest page.
    "contests/<slug:slug>/start/": (
        _with(POST_ONLY_SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)),
        _with(SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)),
    ),
    "attempts/<uuid:pk>/": (OWN_ATTEMPT, None),
    "attempts/<uuid:pk>/answer/": (POST_ONLY_SIGNED_IN, _with(OWN_ATTEMPT, resident=400)),
    "attempts/<uuid:pk>/review/": (OWN_ATTEMPT, None),
    "attempts/<uuid:pk>/submit/": (POST_ONLY_SIGNED_IN, _with(OWN_ATTEMPT, resident=ANY)),
    "attempts/<uuid:pk>/receipt/": (_with(OWN_ATTEMPT, resident=302), None),
    "contests/<slug:slug>/paper/<str:kind>/": (PUBLIC, None),
    "contests/<slug:slug>/results/": (PUBLIC, None),
    "contests/<slug:slug>/live.json": (PUBLIC, None),
    "contests/<slug:slug>/my-result/": (SIGNED_IN, None),
    # organizers
    "manage/": (ORGANIZERS, None),
    "manage/new/": (ORGANIZERS, None),
    "manage/<slug:slug>/": (ORGANIZER_X, None),
    "manage/<slug:slug>/edit/": (ORGANIZER_X, None),
    "manage/<slug:slug>/close/": (ORGANIZER_X, None),
    "manage/<slug:slug>/essays.csv": (ORGANIZER_X, None),
    "manage/<slug:slug>/essays.xlsx": (ORGANIZER_X, None),
    "manage/<slug:slug>/results/": (ORGANIZER_X, None),
    "manage/<slug:slug>/results/rank/": (
        POST_ONLY_SIGNED_IN,
        _with(ORGANIZER_X, org_x=ANY, superuser=ANY),
    ),
    "manage/<slug:slug>/results/publish/": (
        POST_ONLY_SIGNED_IN,
        _with(ORGANIZER_X, org_x=ANY, superuser=ANY),
    ),
    "manage/<slug:slug>/results/key/": (
        POST_ONLY_SIGNED_IN,
        _with(ORGANIZER_X, org_x=ANY, superuser=ANY),
    ),
    "manage/<slug:slug>/results/winners/": (
        POST_ONLY_SIGNED_IN,
        _with(ORGANIZER_X, org_x=ANY, superuser=ANY),
    ),
    "manage/<slug:slug>/results/export/<str:kind>/": (
        _with(ORGANIZER_X, org_x=404, superuser=404),  # not ranked yet
        None,
    ),
    "manage/<slug:slug>/live/": (ORGANIZER_X, None),
    "manage/<slug:slug>/ceremony/": (ORGANIZER_X, None),
    # clerks
    "paper/": (SIGNED_IN, None),
    "manage/<slug:slug>/paper/": (CLERK_X, None),
    "manage/<slug:slug>/paper/receive/": (CLERK_X, None),
    "manage/<slug:slug>/paper/key/": (CLERK_X, None),
    # clerks of X may upload transcribed sheets too (the same rule as keying)
    "manage/<slug:slug>/paper/upload/": (CLERK_X, None),
    # P-1 has no two keyings to reconcile: back to the paper page
    "manage/<slug:slug>/paper/conflicts/<str:sheet_no>/": (
        _with(ORGANIZER_X, org_x=302, superuser=302),
        None,
    ),
    "manage/<slug:slug>/paper/sheets/<str:sheet_no>/": (ORGANIZER_X, None),
    # P-1 was imported from a file and has no scan: its staff get a 404, everyone else is refused
    "manage/<slug:slug>/paper/scans/<str:sheet_no>/": (
        _with(CLERK_X, clerk_x=404, org_x=404, superuser=404),
        None,
    ),
    "manage/<slug:slug>/paper/form/<str:kind>/": (CLERK_X, None),
    # photographed sheets: the batch upload and the review queue for clerks of X; a sheet
    # that does not exist (no photo was read in this world) is a 404 to them, refused to others
    "manage/<slug:slug>/paper/scan/": (CLERK_X, None),
    "manage/<slug:slug>/paper/scan/review/": (CLERK_X, None),
    "manage/<slug:slug>/paper/scan/<int:pk>/": (
        _with(CLERK_X, clerk_x=404, org_x=404, superuser=404),
        None,
    ),
    "manage/<slug:slug>/paper/scan/<int:pk>/<str:place>.png": (
        _with(CLERK_X, clerk_x=404, org_x=404, superuser=404),
        None,
    ),
    # background jobs
    "jobs/<uuid:pk>/": (OWN_JOB, None),
    "jobs/<uuid:pk>.json": (OWN_JOB, None),
}
for _model in ADMIN_MODELS:
    for _suffix in ("", "add/", "<path:object_id>/history/", "<path:object_id>/delete/"):
        EXPECTED.setdefault(f"admin/{_model}/{_suffix}", (ADMIN, None))
    EXPECTED.setdefault(f"admin/{_model}/<path:object_id>/change/", (ADMIN, None))
    # the bare object address redirects to its change page (which then checks permissions)
    EXPECTED.setdefault(
        f"admin/{_model}/<path:object_id>/",
        (_with(ADMIN, org_x=302, org_y=302, bank_editor=302, superuser=302), None),
    )
# Task results are written by the worker only, and there is none in this world: the admin
# sends even a site admin back (302) for a missing object, before any permission check.
_TASKS = "admin/django_tasks_database/dbtaskresult/"
_MISSING = _with(ADMIN, org_x=302, org_y=302, bank_editor=302, superuser=302)
EXPECTED[_TASKS + "add/"] = (_with(ADMIN, superuser=403), None)
EXPECTED[_TASKS + "<path:object_id>/history/"] = (_MISSING, None)
EXPECTED[_TASKS + "<path:object_id>/change/"] = (_with(ADMIN, superuser=302), None)
EXPECTED[_TASKS + "<path:object_id>/delete/"] = (_with(ADMIN, superuser=403), None)
EXPECTED[_TASKS + "<path:object_id>/"] = (_MISSING, None)


# --- the routes, read from the resolver ---------------------------------------------------


def _routes(patterns=None, prefix=""):
    """(pattern string, URLPattern) for every route of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


# --- the world: contest X and its neighbours ----------------------------------------------


@pytest.fixture
def world():
    organizers = Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0]
    clerks = Group.objects.get_or_create(name=CLERKS_GROUP)[0]

    def account(group=None, **kwargs):
        user = UserFactory(**kwargs)
        ProfileFactory(user=user)
        if group:
            user.groups.add(group)
        return user

    people = {
        "resident": account(),
        "clerk_x": account(clerks),
        "org_x": account(organizers, is_staff=True),
        "org_y": account(organizers, is_staff=True),
        "bank_editor": account(organizers, is_staff=True),
        "superuser": account(is_staff=True, is_superuser=True),
    }
    bank_x = make_bank_with_topics(slug="bank-x")
    bank_x.owners.add(people["org_x"])
    make_bank_with_topics(slug="bank-y", topics=(("Khác", 2),)).owners.add(people["org_y"])
    make_bank_with_topics(slug="bank-z", topics=(("Khác", 2),)).owners.add(people["bank_editor"])
    now = timezone.localtime()
    codes = {"bank": "bank-x", "codes": ["Q-001", "Q-002", "Q-003"]}
    window = {
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
        "paper_postmark_deadline": (now + timedelta(days=7)).strftime("%Y-%m-%d"),
    }
    x = contest_import(data=contest_json(slug="x", questions=codes, **window))[0]
    y = contest_import(
        data=contest_json(slug="y", questions={"bank": "bank-y", "codes": ["Q-001"]}, **window)
    )[0]
    ContestMembership.objects.create(contest=x, user=people["org_x"], role="organizer")
    ContestMembership.objects.create(contest=x, user=people["clerk_x"], role="clerk")
    ContestMembership.objects.create(contest=y, user=people["org_y"], role="organizer")
    attempt = attempt_start(contest=x, user=people["resident"], now=timezone.now())[0]
    report = paper_import(
        contest=x,
        data=(
            "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
            f"P-1,Người Dân,0905000009,B B B,5,{now:%Y-%m-%d}\n"
        ).encode(),
        kind="csv",
    )
    assert report.errors == []
    job = BackgroundJob.objects.create(kind="rank_contest", owner=people["org_x"])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=people["resident"], email="dan@example.vn")
    return {"people": people, "contest": x, "attempt": attempt, "job": job}


def _value(name: str, pattern: str, world) -> str:
    """A real value for a path parameter of ``pattern``."""
    if name == "slug":
        return "bank-x" if pattern.startswith("questions/") else "x"
    if name == "pk":
        if "/paper/scan/" in pattern:
            return "999999"
        return str(world["job"].pk if pattern.startswith("jobs/") else world["attempt"].pk)
    if name == "kind":
        return "csv" if "/export/" in pattern else "form"
    if name == "object_id":
        return "1" if pattern.startswith("admin/r/") else _admin_object_id(pattern, world)
    fixed = {
        "code": "Q-001",
        "place": "q1",
        "fmt": "csv",
        "sheet_no": "P-1",
        "content_type_id": "1",
        "id": str(world["people"]["resident"].pk),
    }
    return fixed[name]


def _admin_object_id(pattern: str, world) -> str:
    from django.apps import apps

    app_label, model = pattern.split("/")[1:3]
    found = apps.get_model(app_label, model).objects.order_by("pk").first()
    return str(found.pk) if found else "999999"


REGEX_URLS = {
    "admin/^(?P<app_label>auth|account|django_tasks_database|accounts|questions|contest)/$": (
        "/admin/contest/"
    ),
    "admin/(?P<url>.*)$": "/admin/no-such-page/",
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": "/accounts/confirm-email/not-a-key/",
}


def _url(pattern: str, world) -> str:
    if pattern in REGEX_URLS:
        return REGEX_URLS[pattern]
    return "/" + re.sub(
        r"<(?:(\w+):)?(\w+)>", lambda m: _value(m.group(2), pattern, world), pattern
    )


def _status(response) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
    return response.status_code


def _client(role: str, world) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anon":
        client.force_login(world["people"][role])
    return client


def test_every_route_has_a_rule():
    """A route missing from the table fails here, by its pattern."""
    routes = {pattern for pattern, _entry in _routes()}
    missing = sorted(routes - set(EXPECTED))
    assert not missing, "routes without an authorization rule in EXPECTED: " + ", ".join(missing)
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, "rules for routes that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_expected(role, world):
    wrong = []
    for pattern, _entry in _routes():
        if pattern not in EXPECTED:
            continue  # reported by test_every_route_has_a_rule
        get_rule, post_rule = EXPECTED[pattern]
        url = _url(pattern, world)
        got = _status(_client(role, world).get(url))
        if get_rule[role] != ANY and got != get_rule[role]:
            wrong.append(f"GET {url} ({pattern}) as {role}: expected {get_rule[role]}, got {got}")
        if post_rule is not None:
            if post_rule[role] == ANY:
                continue
            got = _status(_client(role, world).post(url, {}))
            if got != post_rule[role]:
                wrong.append(
                    f"POST {url} ({pattern}) as {role}: expected {post_rule[role]}, got {got}"
                )
        elif get_rule[role] in REFUSED:
            # Refused on GET: refused on POST too (the same way, or the method is not allowed).
            got = _status(_client(role, world).post(url, {}))
            if got not in (get_rule[role], 405):
                wrong.append(
                    f"POST {url} ({pattern}) as {role}: refused on GET ({get_rule[role]}), "
                    f"got {got} on POST"
                )
    assert not wrong, "\n".join(wrong)


def test_a_refused_start_never_creates_an_attempt(world):
    """Start as each role that can see the key: a message and no attempt."""
    people = world["people"]
    for role in ("clerk_x", "org_x", "superuser"):
        client = _client(role, world)
        response = client.post("/contests/x/start/", follow=True)
        assert "không được dự thi" in response.content.decode()
        assert not Attempt.objects.filter(user=people[role]).exists()


# --- websockets ----------------------------------------------------------------------------

# route pattern → roles allowed to connect
WS_EXPECTED = {
    "ws/contests/<slug:slug>/live/": set(ROLES),
    "ws/contests/<slug:slug>/dashboard/": {"org_x", "superuser"},
}


def test_every_websocket_route_has_a_rule():
    from contest.live.routing import websocket_urlpatterns

    routes = {str(entry.pattern) for entry in websocket_urlpatterns}
    assert routes == set(WS_EXPECTED), (
        f"websocket routes without a rule: {routes - set(WS_EXPECTED)}"
    )


@pytest.mark.django_db(transaction=True)
def test_every_websocket_route_answers_each_role_as_expected(world, settings):
    from asgiref.sync import sync_to_async  # noqa: F401  (the communicator needs an event loop)
    from channels.routing import URLRouter
    from channels.testing.websocket import WebsocketCommunicator
    from django.contrib.auth.models import AnonymousUser

    from contest.live.routing import websocket_urlpatterns
    from tests.asyncutil import threaded

    settings.LIVE_REFRESH_SECONDS = 60
    users = {"anon": AnonymousUser(), **world["people"]}
    router = URLRouter(websocket_urlpatterns)

    @threaded
    async def walk():
        wrong = []
        for entry in websocket_urlpatterns:
            pattern = str(entry.pattern)
            path = "/" + pattern.replace("<slug:slug>", "x")
            for role in ROLES:
                ws = WebsocketCommunicator(router, path)
                ws.scope["user"] = users[role]
                connected, _code = await ws.connect(timeout=5)
                if connected:
                    await ws.disconnect()
                if connected != (role in WS_EXPECTED[pattern]):
                    wrong.append(f"{path} as {role}: connected={connected}")
        return wrong

    wrong = walk()
    assert not wrong, "\n".join(wrong)


def test_an_unknown_attempt_or_job_id_is_a_404_not_a_leak(world):
    client = _client("resident", world)
    assert client.get(f"/attempts/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/jobs/{uuid.uuid4()}/").status_code == 404
