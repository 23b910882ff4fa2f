"""The live channel: snapshot, coalesced updates, authorization, limits, the ceremony."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator
from django.core.cache import cache
from django.core.management import call_command

from config.asgi import application
from contest.live.consumers import DashboardConsumer
from contest.models import ContestMembership, Result, ResultRow, WinnerCheck
from contest.paper.importing import paper_import
from contest.results.ceremony import ceremony_reveal_next, ceremony_start
from tests.asyncutil import threaded
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


ORIGIN = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


def add_sheets(contest, *numbers, unit=""):
    rows = "\n".join(
        f"P-{n},Người {n},09050{n:05d},,{ALL_RIGHT},5,2022-06-01,{unit}" for n in numbers
    )
    data = f"sheet_no,full_name,phone,id_number,answers,prediction,postmark_date,unit\n{rows}\n"
    assert paper_import(contest=contest, data=data.encode(), kind="csv").errors == []


@pytest.fixture
def contest(settings):
    settings.LIVE_REFRESH_SECONDS = 60
    UnitFactory(code="an-thanh", name="Xã An Thành")
    contest = make_contest()
    add_sheets(contest, 1, unit="an-thanh")
    return contest


async def connect(path, *, origin=ORIGIN):
    communicator = WebsocketCommunicator(application, path, headers=origin)
    connected, _ = await communicator.connect()
    return communicator, connected


@threaded
async def test_snapshot_on_connect(contest):
    ws, connected = await connect(f"/ws/contests/{contest.slug}/live/")
    assert connected
    snapshot = await ws.receive_json_from(timeout=3)
    assert (
        snapshot["type"] == "stats" and snapshot["participants"] == 1 and snapshot["entries"] == 1
    )
    assert snapshot["by_unit"] == {"Xã An Thành": 1} and "server_time" in snapshot
    await ws.disconnect()


@threaded
async def test_updates_are_coalesced_to_one_a_second_and_only_on_change(contest):
    ws, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await ws.receive_json_from(timeout=3)
    layer = get_channel_layer()
    assert await ws.receive_nothing(timeout=1.2)  # nothing changed, nothing said
    await sync_to_async(add_sheets)(contest, *range(2, 12))
    await sync_to_async(cache.clear)()
    for _ in range(30):  # a burst of entries
        await layer.group_send(f"contest.{contest.pk}", {"type": "entry.counted"})
    received = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.5
    while loop.time() < deadline:
        if not await ws.receive_nothing(timeout=0.1, interval=0.02):
            received.append(await ws.receive_json_from(timeout=1))
    assert 1 <= len(received) <= 3, received  # at most one a second, not thirty
    assert received[-1]["entries"] == 11
    await ws.disconnect()


@threaded
async def test_an_entry_just_after_the_snapshot_is_not_hidden_by_the_shared_cache(contest):
    # The snapshot leaves its figures in the one-second shared cache; the entry
    # committed a moment later must still reach the viewer, from fresh figures.
    ws, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    assert (await ws.receive_json_from(timeout=3))["entries"] == 1
    await sync_to_async(add_sheets)(contest, 2)
    update = await ws.receive_json_from(timeout=3)
    assert update["entries"] == 2 and update["participants"] == 2
    await ws.disconnect()


@threaded
async def test_hidden_participation_is_not_sent(contest):
    contest.hide_participation = True
    await sync_to_async(contest.save)()
    await sync_to_async(cache.clear)()
    ws, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    snapshot = await ws.receive_json_from(timeout=3)
    assert "participants" not in snapshot and snapshot["entries"] == 1
    await ws.disconnect()


@threaded
async def test_foreign_origins_and_unknown_contests_are_refused(contest):
    _, connected = await connect(
        f"/ws/contests/{contest.slug}/live/", origin=[(b"origin", b"http://evil.example")]
    )
    assert not connected
    _, connected = await connect("/ws/contests/khong-co/live/")
    assert not connected


@threaded
async def test_clients_can_ask_the_time_and_nothing_else(contest):
    ws, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await ws.receive_json_from(timeout=3)
    await ws.send_json_to({"type": "time", "sent": 123})
    reply = await ws.receive_json_from(timeout=3)
    assert reply["type"] == "time" and reply["echo"] == 123
    await ws.send_to(text_data=json.dumps({"type": "time", "pad": "x" * 1000}))
    closed = await ws.receive_output(timeout=3)
    assert closed["type"] == "websocket.close" and closed["code"] == 4400
    ws2, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await ws2.receive_json_from(timeout=3)
    await ws2.send_json_to({"type": "ceremony.reveal", "payload": {}})
    assert (await ws2.receive_output(timeout=3))["code"] == 4400


@threaded
async def test_connections_per_client_are_limited(contest, settings):
    open_ones = []
    for _ in range(20):
        ws, connected = await connect(f"/ws/contests/{contest.slug}/live/")
        assert connected
        open_ones.append(ws)
    _, connected = await connect(f"/ws/contests/{contest.slug}/live/")
    assert not connected
    for ws in open_ones:
        await ws.disconnect()
    _, connected = await connect(f"/ws/contests/{contest.slug}/live/")
    assert connected


@threaded
async def test_the_dashboard_is_for_this_contests_organizers_only(contest):
    def users():
        organizer = UserFactory()
        ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
        other = UserFactory()
        ContestMembership.objects.create(
            contest=make_contest(slug="khac"), user=other, role="organizer"
        )
        return organizer, other

    organizer, other = await sync_to_async(users)()
    from django.contrib.auth.models import AnonymousUser

    for user, allowed in ((AnonymousUser(), False), (other, False), (organizer, True)):
        ws = WebsocketCommunicator(
            DashboardConsumer.as_asgi(), f"/ws/contests/{contest.slug}/dashboard/"
        )
        ws.scope["user"] = user
        ws.scope["url_route"] = {"kwargs": {"slug": contest.slug}}
        connected, _ = await ws.connect()
        assert connected is allowed
        if allowed:
            stats = await ws.receive_json_from(timeout=3)
            assert (
                stats["type"] == "dashboard" and stats["paper"] == 1 and stats["in_progress"] == 0
            )
            assert stats["paper_queue"]["verified"] == 1
            await ws.disconnect()


def winners_checked(contest):
    """The committee has checked every prize winner (the ceremony requires it)."""
    for person in (
        ResultRow.objects.filter(result__contest=contest)
        .exclude(prize="")
        .values_list("person", flat=True)
    ):
        WinnerCheck.objects.update_or_create(
            contest=contest,
            person=person,
            defaults={"checks": {key: True for key, _label in WinnerCheck.ITEMS}},
        )


@threaded
async def test_ceremony_reveals_reach_viewers_and_late_joiners_catch_up(contest):
    await sync_to_async(add_sheets)(contest, 2, 3, 4)
    await sync_to_async(call_command)("rank_contest", contest.slug, "--final", stdout=None)
    await sync_to_async(winners_checked)(contest)
    await sync_to_async(ceremony_start)(contest=contest)
    viewer, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await viewer.receive_json_from(timeout=3)  # snapshot
    first = await sync_to_async(ceremony_reveal_next)(contest=contest)
    got = await viewer.receive_json_from(timeout=3)
    assert got["type"] == "reveal" and got["index"] == 1 and got["prize"] == first["prize"]
    assert got["prize"] == "Giải Nhì" and got["total"] == 3  # lowest prize first
    await sync_to_async(ceremony_reveal_next)(contest=contest)
    await viewer.receive_json_from(timeout=3)
    late, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await late.receive_json_from(timeout=3)  # snapshot
    replay = [await late.receive_json_from(timeout=3) for _ in range(2)]
    assert [r["index"] for r in replay] == [1, 2]
    assert "0905" not in json.dumps(replay) or all("***" in r["person"] for r in replay)
    result = await sync_to_async(Result.objects.get)(final=True)
    assert result.revealed == 2
    await viewer.disconnect()
    await late.disconnect()


@threaded
@pytest.mark.parametrize("garbage", ["[]", "null", "5", '"time"', '{"type": 5}', "{"])
async def test_a_malformed_message_closes_the_socket_and_frees_its_slot(contest, settings, garbage):
    settings.LIVE_MAX_CONNECTIONS_PER_CLIENT = 3
    path = f"/ws/contests/{contest.slug}/live/"
    for _ in range(5):  # more rounds than slots: a leaked slot would show
        ws, connected = await connect(path)
        assert connected
        await ws.receive_json_from(timeout=3)
        await ws.send_to(text_data=garbage)
        closed = await ws.receive_output(timeout=3)
        assert closed["type"] == "websocket.close" and closed["code"] == 4400
        await ws.wait()  # the server dropped the socket: no disconnect from the client
    held = [await connect(path) for _ in range(3)]
    assert all(connected for _, connected in held)
    for ws, _ in held:
        await ws.disconnect()


@threaded
async def test_a_socket_that_sends_too_fast_is_closed_and_its_slot_freed(contest, settings):
    settings.LIVE_MAX_MESSAGES_PER_MINUTE = 5
    settings.LIVE_MAX_CONNECTIONS_PER_CLIENT = 1
    path = f"/ws/contests/{contest.slug}/live/"
    ws, _ = await connect(path)
    await ws.receive_json_from(timeout=3)
    for n in range(5):
        await ws.send_json_to({"type": "time", "sent": n})
        assert (await ws.receive_json_from(timeout=3))["echo"] == n
    await ws.send_json_to({"type": "time", "sent": 6})
    closed = await ws.receive_output(timeout=3)
    assert closed["type"] == "websocket.close" and closed["code"] == 4429
    await ws.wait()
    again, connected = await connect(path)
    assert connected
    await again.disconnect()


@threaded
@pytest.mark.parametrize(
    "sent", ["NaN", "Infinity", "-Infinity", '"abc"', "true", "1" + "0" * 400, "-" + "9" * 400]
)
async def test_the_time_reply_is_always_valid_json(contest, sent):
    """A client's NaN was echoed back as NaN, which no browser can parse."""
    ws, _ = await connect(f"/ws/contests/{contest.slug}/live/")
    await ws.receive_json_from(timeout=3)
    await ws.send_to(text_data='{"type": "time", "sent": ' + sent + "}")
    raw = (await ws.receive_output(timeout=3))["text"]
    reply = json.loads(raw, parse_constant=lambda name: pytest.fail(f"{name} in {raw}"))
    assert reply["type"] == "time" and reply["echo"] is None
    await ws.disconnect()
