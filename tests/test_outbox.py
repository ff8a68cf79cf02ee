"""The outbox: dedupe keys, the drain's checks at send time, retries and back-off, the failed state, flood guard,
combined reminders, due order and the `bibliobot outbox` command. Time is passed in; nothing sleeps."""

from __future__ import annotations

import inspect
import socket
import typing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import smsformat, storage
from bot.channels.sms import SmsSender
from bot.channels.telegram import TelegramSender
from bot.cli import main
from bot.config import Config
from bot.errors import ChannelError
from bot.services import outbox, tokenbucket
from bot.storage import OutboxItem, Store
from tests.conftest import CPH, MOMENT, database_env
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.outboxkit import (
    CHAT,
    KAREN,
    OLE,
    ScriptedSender,
    VirtualClock,
    make_config,
    make_drain,
    provider_env,
    row,
)

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend


def queue(
    store: Store, key: str, to: str = KAREN, *, channel: str = "sms", at: datetime = MOMENT, **kw: object
) -> bool:
    return outbox.enqueue(
        store,
        dedupe_key=key,
        channel=channel,
        recipient=to,
        body=f"besked {key}",
        kind=str(kw.pop("kind", "alert")),
        now=at,
        **kw,  # type: ignore[arg-type]
    )


# -- dedupe ------------------------------------------------------------------------------------------------------


def test_the_same_dedupe_key_twice_writes_one_row(store: Store) -> None:
    assert queue(store, "hold-ready:N1") is True
    assert queue(store, "hold-ready:N1") is False
    assert outbox.summary(store)["pending"] == 1


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(keys=st.lists(st.sampled_from(["a", "b", "digest:x:2026-W48", "alert:y:E1"]), min_size=1, max_size=12))
def test_enqueueing_keys_in_any_order_leaves_one_row_per_key(store: Store, keys: list[str]) -> None:
    before = sum(outbox.summary(store).values())
    known = {r["dedupe_key"] for r in storage.outbox_rows(store, storage.OUTBOX_STATES, 1000)}
    for key in keys:
        queue(store, key)
    after = sum(outbox.summary(store).values())
    assert after - before == len(set(keys) - known)


def test_enqueue_refuses_an_unknown_channel_or_empty_key(store: Store) -> None:
    with pytest.raises(ValueError):
        queue(store, "k", channel="fax")
    with pytest.raises(ValueError):
        queue(store, "")


# -- sending and the checks at send time --------------------------------------------------------------------------


def test_a_due_message_goes_through_twilio_once(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    config = make_config(tmp_path, **provider_env(fake_twilio.url))
    store = Store(config.database_url)
    drain, _ = make_drain(config, store, {"sms": SmsSender(config, store)})
    queue(store, "alert:1")
    report = drain.send_due(MOMENT)
    assert (report.sent, report.messages) == (1, 1)
    assert [m["To"] for m in fake_twilio.messages()] == [KAREN]
    assert row(store, "alert:1")["state"] == "sent" and str(row(store, "alert:1")["provider_id"]).startswith(
        "SM"
    )
    assert drain.send_due(MOMENT + timedelta(minutes=1)).messages == 0  # nothing twice
    store.close()


def test_a_message_due_later_waits(store: Store, config: Config) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    queue(store, "later", due_at=MOMENT + timedelta(hours=2))
    assert drain.send_due(MOMENT).messages == 0
    assert drain.send_due(MOMENT + timedelta(hours=2)).messages == 1


def test_opting_out_between_queueing_and_sending_cancels_the_message(store: Store, config: Config) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    queue(store, "alert:E1")
    storage.set_opt_out(store, KAREN, True, MOMENT + timedelta(minutes=1))
    report = drain.send_due(MOMENT + timedelta(minutes=2))
    assert report.cancelled == 1 and sender.sent == []
    assert (row(store, "alert:E1")["state"], row(store, "alert:E1")["last_error"]) == (
        "cancelled",
        "opted-out",
    )


def test_a_reply_the_citizen_asked_for_is_not_held_back_by_the_outbox(store: Store, config: Config) -> None:
    """The outbox does not cancel it; the channel sender still applies its own rules (an SMS STOP is final)."""
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    storage.set_opt_out(store, KAREN, True, MOMENT)
    queue(store, "reply:T1", reply_to_citizen=True, kind="reply")
    assert drain.send_due(MOMENT).messages == 1
    assert sender.sent[0].to == KAREN


def test_the_twilio_sender_refusal_is_visible(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    config = make_config(tmp_path, **provider_env(fake_twilio.url))
    store = Store(config.database_url)
    drain, _ = make_drain(config, store, {"sms": SmsSender(config, store)})
    queue(store, "abroad", to="+46701234567")
    assert drain.send_due(MOMENT).refused == 1
    assert (row(store, "abroad")["state"], row(store, "abroad")["last_error"]) == ("refused", "country")
    assert fake_twilio.requests == []
    store.close()


# -- quiet hours ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, sent_at",
    [
        (datetime(2026, 11, 24, 21, 30, tzinfo=CPH), datetime(2026, 11, 25, 8, 0, tzinfo=CPH)),
        (datetime(2026, 11, 25, 0, 15, tzinfo=CPH), datetime(2026, 11, 25, 8, 0, tzinfo=CPH)),
        # The night the clocks go forward (29 March) and back (25 October): 08:00 local either way.
        (datetime(2026, 3, 28, 22, 0, tzinfo=CPH), datetime(2026, 3, 29, 8, 0, tzinfo=CPH)),
        (datetime(2026, 10, 24, 23, 0, tzinfo=CPH), datetime(2026, 10, 25, 8, 0, tzinfo=CPH)),
    ],
    ids=["evening", "after midnight", "spring forward", "fall back"],
)
def test_a_message_due_in_quiet_hours_waits_for_the_morning(
    store: Store, config: Config, due: datetime, sent_at: datetime
) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    queue(store, "k", at=due, due_at=due)
    for step in range(1, 48):  # every 15 minutes through the night
        moment = due + timedelta(minutes=15 * step)
        if moment >= sent_at:
            break
        assert drain.send_due(moment).messages == 0, moment
    assert drain.send_due(sent_at).messages == 1
    assert sender.sent[0].now == sent_at


def test_replies_go_out_in_quiet_hours_unless_configured(tmp_path: Path) -> None:
    night = datetime(2026, 11, 24, 23, 0, tzinfo=CPH)
    for replies_wait, expected in (("false", 1), ("true", 0)):
        config = make_config(tmp_path / replies_wait, BIBLIOBOT_QUIET_HOURS__REPLIES=replies_wait)
        store = Store(config.database_url)
        drain, _ = make_drain(config, store, {"sms": ScriptedSender()})
        queue(store, "reply:1", at=night, reply_to_citizen=True, kind="reply")
        queue(store, "alert:1", at=night)
        assert drain.send_due(night).messages == expected
        store.close()


# -- failures, back-off, give-up ------------------------------------------------------------------------------------


def test_a_500_then_success_delivers_once(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    config = make_config(tmp_path, **provider_env(fake_twilio.url))
    store = Store(config.database_url)
    drain, _ = make_drain(config, store, {"sms": SmsSender(config, store)})
    queue(store, "k")
    fake_twilio.fail_next(500)
    assert drain.send_due(MOMENT).retried == 1
    r = row(store, "k")
    assert r["state"] == "pending" and r["attempts"] == 1 and "HTTP 500" in str(r["last_error"])
    assert r["next_at"] == storage.ts(MOMENT + timedelta(seconds=30))
    assert drain.send_due(MOMENT + timedelta(seconds=29)).messages == 0  # not before the back-off
    assert drain.send_due(MOMENT + timedelta(seconds=30)).messages == 1
    assert len(fake_twilio.requests) == 2 and row(store, "k")["state"] == "sent"
    store.close()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_a_429_waits_as_long_as_retry_after_says(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    # One message in flight at a time, so the second is handed over after the first one's 429.
    env = provider_env(telegram_url=fake_telegram.url) | {"BIBLIOBOT_OUTBOX__CONCURRENCY": "1"}
    config = make_config(tmp_path, **env)
    store = Store(config.database_url)
    drain, clock = make_drain(config, store, {"telegram": TelegramSender(config, store)})
    queue(store, "k", to=CHAT, channel="telegram")
    queue(store, "k2", to="telegram:5550002", channel="telegram")
    fake_telegram.fail_next(429, retry_after=120)
    report = drain.send_due(MOMENT)
    assert report.retried == 1
    assert row(store, "k")["next_at"] == storage.ts(MOMENT + timedelta(seconds=120))  # not the 30 s back-off
    # The whole bot was asked to wait: the next message waited those 120 s too (on the virtual clock).
    assert report.messages == 1 and sum(clock.sleeps) >= 119
    assert drain.send_due(MOMENT + timedelta(seconds=120)).messages == 1
    store.close()


def test_back_off_doubles_up_to_the_cap(config: Config) -> None:
    policy = outbox.Policy.from_config(config)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert policy.backoff(20) == config.outbox.backoff_max_seconds
    assert policy.backoff(1, retry_after=500) == 500


def _black_hole() -> socket.socket:
    """A loopback server that accepts connections and never answers: every request times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


def test_a_time_out_is_retried(tmp_path: Path) -> None:
    hole = _black_hole()
    url = f"http://127.0.0.1:{hole.getsockname()[1]}"
    config = make_config(tmp_path, **provider_env(url))
    store = Store(config.database_url)
    sms = SmsSender(config, store)
    assert sms.client is not None
    sms.client.http_client.timeout = 0.2  # the real sender waits SEND_TIMEOUT_SECONDS; the test need not
    drain, _ = make_drain(config, store, {"sms": sms})
    queue(store, "k")
    assert drain.send_due(MOMENT).retried == 1
    assert "unreachable" in str(row(store, "k")["last_error"])
    hole.close()
    store.close()


def test_after_the_last_try_a_message_is_failed_and_can_be_retried(tmp_path: Path) -> None:
    config = make_config(tmp_path, BIBLIOBOT_OUTBOX__MAX_ATTEMPTS="3")
    store = Store(config.database_url)
    sender = ScriptedSender(failures=[ChannelError("HTTP 503", retryable=True) for _ in range(3)])
    drain, _ = make_drain(config, store, {"sms": sender})
    queue(store, "k")
    moment = MOMENT
    states = []
    for _ in range(3):
        drain.send_due(moment)
        states.append(row(store, "k")["state"])
        moment += timedelta(hours=1)
    assert states == ["pending", "pending", "failed"] and sender.calls == 3
    assert drain.send_due(moment + timedelta(days=1)).messages == 0  # failed stays failed
    assert outbox.retry_failed(store, moment) == 1
    assert drain.send_due(moment).messages == 1
    store.close()


def test_a_refusal_by_the_provider_fails_at_once(store: Store, config: Config) -> None:
    sender = ScriptedSender(failures=[ChannelError("HTTP 400, code 21211", retryable=False)])
    drain, _ = make_drain(config, store, {"sms": sender})
    queue(store, "k")
    assert drain.send_due(MOMENT).failed == 1
    assert row(store, "k")["state"] == "failed" and "21211" in str(row(store, "k")["last_error"])


def test_an_unexpected_error_is_logged_and_retried(store: Store, config: Config) -> None:
    class Broken(ScriptedSender):
        def send(self, to: str, text: str, now: datetime, *, reply: bool = False):  # type: ignore[no-untyped-def]
            raise RuntimeError("bug")

    drain, _ = make_drain(config, store, {"sms": Broken()})
    queue(store, "k")
    assert drain.send_due(MOMENT).retried == 1


def test_a_claim_left_by_a_dead_sender_is_sent_after_the_lease(store: Store, config: Config) -> None:
    queue(store, "k")
    [pending] = storage.due_outbox(store, MOMENT, 10)
    assert storage.claim_outbox(store, [pending["id"]], "dead-drain", MOMENT) == [pending["id"]]
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    assert drain.send_due(MOMENT + timedelta(seconds=60)).messages == 0  # maybe still in flight
    report = drain.send_due(MOMENT + timedelta(seconds=config.outbox.lease_seconds + 1))
    assert (report.released, report.messages) == (1, 1)


# -- rate limits --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("burst", [1, 3])
def test_the_sms_rate_limit_never_lets_a_second_hold_more_than_the_limit(tmp_path: Path, burst: int) -> None:
    config = make_config(
        tmp_path,
        BIBLIOBOT_OUTBOX__SMS_PER_SECOND="5",
        BIBLIOBOT_OUTBOX__SMS_BURST=str(burst),
        BIBLIOBOT_OUTBOX__CONCURRENCY="1",
    )
    store = Store(config.database_url)
    clock = VirtualClock()
    sends: list[float] = []

    class Timed(ScriptedSender):
        def send(self, to: str, text: str, now: datetime, *, reply: bool = False):  # type: ignore[no-untyped-def]
            sends.append(clock())
            return super().send(to, text, now)

    drain, _ = make_drain(config, store, {"sms": Timed()}, clock)
    for i in range(20):
        queue(store, f"k{i}", to=f"+45201234{i:02d}")
    start = clock()
    assert drain.send_due(MOMENT).messages == 20
    most = max(sum(1 for t in sends if first <= t < first + 1) for first in sends)
    assert most <= 5
    # Close to the limit all the same: 20 sends at 5/s take about 4 s (the window is 1.03 s, not 1).
    assert clock() - start < 20 / 5 * tokenbucket.WINDOW_SECONDS
    store.close()


def test_telegram_sends_one_message_a_second_to_a_chat(store: Store, config: Config) -> None:
    sender = ScriptedSender(channel="telegram")
    drain, clock = make_drain(config, store, {"telegram": sender})
    queue(store, "a", to=CHAT, channel="telegram")
    queue(store, "b", to=CHAT, channel="telegram")
    queue(store, "c", to="telegram:5550002", channel="telegram")
    report = drain.send_due(MOMENT)
    assert (report.messages, report.deferred) == (2, 1)  # the chat's second message waits its turn
    clock.t += 1
    assert drain.send_due(MOMENT + timedelta(seconds=1)).messages == 1


# -- flood guard, combined reminders, due order, stale reminders --------------------------------------------------


def test_the_flood_guard_holds_the_fourth_message_of_the_day_until_tomorrow(
    store: Store, config: Config
) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    for i in range(4):
        queue(store, f"alert:{i}")
    queue(store, "reply:1", reply_to_citizen=True, kind="reply")  # a reply is not counted, nor held
    report = drain.send_due(MOMENT)
    assert (report.messages, report.deferred) == (4, 1)
    held = row(store, "alert:3")
    assert held["state"] == "pending" and held["next_at"] == storage.ts(
        datetime(2026, 11, 25, 8, 0, tzinfo=CPH)
    )
    assert drain.send_due(datetime(2026, 11, 25, 8, 0, tzinfo=CPH)).messages == 1


def _reminder(store: Store, key: str, part: str, to: str = KAREN, due: datetime = MOMENT) -> None:
    item = OutboxItem(
        dedupe_key=key,
        channel="sms",
        sender=to,
        body=f"Københavns Biblioteker: {part}",
        kind="hold_ready",
        due_at=due,
        lang="da",
        part=part,
    )
    assert outbox.enqueue_item(store, item, MOMENT)


def test_reminders_due_together_go_out_as_one_message(store: Store, config: Config) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    _reminder(store, "hold-ready:1", '"Kongens Fald" er klar.')
    _reminder(store, "hold-ready:2", '"Lykke-Per" er klar.')
    _reminder(store, "hold-ready:3", '"Ole Bole ABC" er klar.', to=OLE)
    report = drain.send_due(MOMENT)
    assert (report.sent, report.messages) == (3, 2)
    [karen] = [s for s in sender.sent if s.to == KAREN]
    assert karen.text == 'Københavns Biblioteker:\n- "Kongens Fald" er klar.\n- "Lykke-Per" er klar.'
    assert storage.proactive_sent_since(store, KAREN, MOMENT - timedelta(hours=1)) == 1  # one for the guard


def test_many_reminders_at_once_are_split_so_none_is_cut_off(store: Store, config: Config) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    for i in range(6):
        _reminder(
            store, f"hold-ready:{i}", f'"{"En meget lang titel på en bog " * 2}{i}" er klar på Vesterbro.'
        )
    assert drain.send_due(MOMENT).messages == 2
    assert [s.text.count("\n- ") for s in sender.sent] == [4, 2]
    assert all(smsformat.segments(smsformat.to_gsm7(s.text)) <= config.sms.max_segments for s in sender.sent)


def test_a_backlog_goes_out_in_due_order(tmp_path: Path) -> None:
    config = make_config(tmp_path, BIBLIOBOT_OUTBOX__CONCURRENCY="1")
    store = Store(config.database_url)
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    for i, hours in enumerate((5, 1, 3, 2, 4)):  # queued out of order, all due during an outage
        queue(store, f"k{hours}", to=f"+452012340{i}", due_at=MOMENT - timedelta(hours=hours))
    drain.send_due(MOMENT)
    assert [s.text for s in sender.sent] == [f"besked k{h}" for h in (5, 4, 3, 2, 1)]
    store.close()


def test_stale_reminders_are_dropped_not_sent_late(store: Store, config: Config) -> None:
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    storage.put_notice(
        store,
        storage.NoticeRow("N1", "hold_ready", KAREN, "Bog", "", "2026-11-28", "R1", "open", "da", "d1"),
        MOMENT,
    )
    picked = OutboxItem("hold-expiring:R1", "sms", KAREN, "Husk", "hold_expiring", MOMENT, ref="N1")
    late = OutboxItem("loan-due:N2", "sms", KAREN, "Aflever", "loan_due", MOMENT, expires_at=MOMENT)
    outbox.enqueue_item(store, picked, MOMENT)
    outbox.enqueue_item(store, late, MOMENT)
    storage.put_notice(  # a later notice: the hold was picked up
        store,
        storage.NoticeRow("N1b", "hold_ready", KAREN, "Bog", "", "2026-11-28", "R1", "picked_up", "da", "d2"),
        MOMENT,
    )
    report = drain.send_due(MOMENT + timedelta(hours=1))
    assert (report.cancelled, report.messages) == (2, 0)
    assert row(store, "hold-expiring:R1")["last_error"] == "stale: picked_up"
    assert str(row(store, "loan-due:N2")["last_error"]).startswith("stale")


# -- the command --------------------------------------------------------------------------------------------------


@pytest.mark.storage
def test_the_outbox_command_lists_and_retries(tmp_path: Path) -> None:
    env = {
        **database_env(tmp_path / "cli.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(tmp_path),
    }
    config = make_config(tmp_path, **database_env(tmp_path / "cli.sqlite3"))
    store = Store(config.database_url)
    queue(store, "alert:waiting")
    queue(store, "alert:broken", to=OLE)
    [broken] = [r for r in storage.due_outbox(store, MOMENT, 10) if r["sender"] == OLE]
    storage.claim_outbox(store, [broken["id"]], "c", MOMENT)
    storage.finish_outbox(store, "c", "failed", MOMENT, error="HTTP 400")
    runner = CliRunner()
    listed = runner.invoke(main, ["outbox"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "pending: 1" in listed.output and "failed: 1" in listed.output
    assert "alert:broken" in listed.output and "(HTTP 400)" in listed.output
    assert OLE not in listed.output and "+45******56" in listed.output
    retried = runner.invoke(main, ["outbox", "--retry"], env=env)
    assert retried.exit_code == 0 and "1 failed message(s) due again" in retried.output
    assert outbox.summary(store)["pending"] == 2
    store.close()


def test_the_drain_is_typed_against_the_sender_protocol_it_calls() -> None:
    # mypy found this: bot.services.outbox kept an older copy of the Sender protocol without the `reply=` keyword that
    # Drain._deliver passes to every sender, so a sender written to it type-checked and then raised TypeError in
    # the drain. The drain's `senders` must name the channels' protocol, which has it.
    senders = typing.get_type_hints(outbox.Drain.__init__)["senders"]
    protocol = typing.get_args(senders)[1]
    assert "reply" in inspect.signature(protocol.send).parameters
