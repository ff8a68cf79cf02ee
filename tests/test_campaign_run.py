"""A campaign run end to end: signed SMS webhooks in, the outbox drained hour by hour for three simulated weeks
against the fake Twilio server, and the report counting what came of it.

Karen has never written before; she texts the keyword at 21:55 and says JA at 22:00, so each weekly tip is due at
22:00, inside quiet hours, and must reach Twilio at 08:00 the next morning. Ole wrote to the library once before;
he texts "skole 7b", says JA, gets the first tip and then texts STOP: no tip reaches him after that, and a later
START does not bring the old series back.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import storage
from bot.config import Config
from bot.services import insight
from bot.understanding.dates import iso_week
from tests.conftest import CPH, FIXTURE_KNOWLEDGE
from tests.fakes.service import Service, running_service, twiml_messages
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import post_sms, sms_form
from tests.outboxkit import KAREN, OLE, make_config, make_drain, provider_env

pytestmark = pytest.mark.storage  # runs on every backend

TOKEN = "tw-token"
START = datetime(2026, 11, 23, 21, 55, tzinfo=CPH)  # a Monday evening
CAMPAIGN = """
- id: skole-7b
  keyword: SKOLE7B
  from: 2026-11-23
  until: 2026-12-31
  welcome:
    da: "Hej 7.B! Her kan I spørge biblioteket om bøger og lektiehjælp."
    en: "Hi 7B! Ask the library about books and homework help here."
  topic: children
  follow_ups:
    - after_days: 7
      text:
        da: "Tip 1 af 3: Spørg en bibliotekar om en god bog."
        en: "Tip 1 of 3: Ask a librarian for a good book."
    - after_days: 14
      text:
        da: "Tip 2 af 3: Lydbøger kan du låne gratis i eReolen."
        en: "Tip 2 of 3: Borrow audiobooks free in eReolen."
    - after_days: 21
      text:
        da: "Tip 3 af 3: Læs ti minutter hver dag."
        en: "Tip 3 of 3: Read ten minutes every day."
"""


def campaign_config(tmp_path: Path, fake: FakeTwilio) -> Config:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    (folder / "campaigns.yaml").write_text(CAMPAIGN, encoding="utf-8")
    return make_config(tmp_path / "run", **provider_env(fake.url), BIBLIOBOT_KNOWLEDGE__DIR=str(folder))


@pytest.fixture
def service(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Service]:
    with running_service(campaign_config(tmp_path, fake_twilio), START - timedelta(days=30)) as s:
        yield s


def text(service: Service, body: str, sender: str, at: datetime) -> list[str]:
    service.clock.moment = at
    response = post_sms(service.http, service.url, sms_form(body, sender), token=TOKEN)
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def test_keyword_welcome_consent_three_weeks_of_tips_quiet_hours_stop_and_the_report(
    service: Service, fake_twilio: FakeTwilio
) -> None:
    # Ole wrote once, a month before the campaign.
    text(service, "hvad koster en printside", OLE, START - timedelta(days=30))

    [welcome] = text(service, "SKOLE7B", KAREN, START)
    assert (
        welcome.startswith("Hej 7.B!") and "Svar JA" in welcome and "3 tips over de næste 3 uger" in welcome
    )
    [thanks] = text(service, "ja", KAREN, START + timedelta(minutes=5))
    assert thanks.startswith("Tak!") and "STOP" in thanks

    [welcome_ole] = text(service, "skole 7b", OLE, START + timedelta(days=1, hours=-6))
    assert welcome_ole.startswith("Hej 7.B!")
    text(service, "JA TAK", OLE, START + timedelta(days=1, hours=-6, minutes=1))

    contacts = {c["sender"]: c for c in (storage.campaign_contact(service.store, s, "skole-7b") for s in (KAREN, OLE))
                if c}  # fmt: skip
    assert contacts[KAREN]["first_time"] == 1 and contacts[OLE]["first_time"] == 0
    assert contacts[KAREN]["consent_text"] == "ja" and contacts[KAREN]["offer_text"] == welcome
    assert (
        len(storage.subscriptions_of(service.store, KAREN)) == 1
    )  # the campaign's topic: events for children

    drain, _ = make_drain(service.runtime.config, service.store, service.runtime.senders)
    arrivals: dict[str, list[tuple[datetime, str]]] = {KAREN: [], OLE: []}
    seen = 0
    moment = START.replace(minute=0) + timedelta(hours=1)  # 22:00, the hour of Karen's yes
    stopped_at: datetime | None = None
    while moment <= START + timedelta(days=23):
        drain.send_due(moment)
        sent = fake_twilio.messages()
        for message in sent[seen:]:
            arrivals[message["To"]].append((moment.astimezone(CPH), message["Body"]))
        seen = len(sent)
        if stopped_at is None and arrivals[OLE]:  # Ole has his first tip: he has had enough
            stopped_at = moment + timedelta(hours=3)
            text(service, "STOP", OLE, stopped_at)
        if moment == START.replace(hour=12, minute=0) + timedelta(days=8):
            text(service, "hvornår har I åbent", KAREN, moment)  # Karen comes back after a week
        moment += timedelta(hours=1)

    karen = arrivals[KAREN]
    assert [body for _, body in karen] == [
        "Tip 1 af 3: Spørg en bibliotekar om en god bog.",
        "Tip 2 af 3: Lydbøger kan du låne gratis i eReolen.",
        "Tip 3 af 3: Læs ti minutter hver dag.",
    ]
    # Due at 22:00 on days 7, 14 and 21: quiet hours (21:00-08:00) hold each until 08:00 the next morning.
    assert [at for at, _ in karen] == [
        datetime(2026, 12, 1, 8, 0, tzinfo=CPH),
        datetime(2026, 12, 8, 8, 0, tzinfo=CPH),
        datetime(2026, 12, 15, 8, 0, tzinfo=CPH),
    ]
    ole = arrivals[OLE]
    assert stopped_at is not None and len(ole) == 1 and ole[0][1].startswith("Tip 1 af 3")
    assert all(at < stopped_at for at, _ in ole)  # nothing after STOP reached Twilio
    later = storage.outbox_row(service.store, next(k for k in keys(service, OLE) if k.endswith(":2")))
    assert later is not None and later["state"] == "cancelled"

    before_start = insight.campaign_figures(service.store, START + timedelta(days=23))
    assert [(c.opted_out, c.consented) for c in before_start] == [(1, 2)]

    # A START after the series was stopped does not bring the old tips back.
    text(service, "START", OLE, START + timedelta(days=23, hours=12))
    assert drain.send_due(START + timedelta(days=23, hours=13)).messages == 0

    report = insight.build(service.store, START - timedelta(days=31), START + timedelta(days=23), CPH)
    [figures] = report.campaigns
    assert (figures.campaign, figures.senders, figures.first_time, figures.consented) == ("skole-7b", 2, 1, 2)
    assert (figures.returned_7, figures.eligible_7) == (2, 2)  # Karen wrote again; Ole's STOP came later too
    assert (figures.returned_30, figures.eligible_30) == (0, 0)
    assert (figures.subscribed, figures.opted_out) == (2, 0)  # Ole texted START again at the end
    weeks = {w.week: w for w in report.weeks}
    assert weeks["2026-W48"].new == {"da": 1} and weeks["2026-W48"].returning == {"da": 1}
    assert weeks[iso_week((START - timedelta(days=30)).date())].new == {
        "da": 1
    }  # Ole's first, a month before
    text_report = insight.to_text(report)
    assert KAREN not in text_report and OLE not in text_report and "skole-7b" in text_report
    print("\n" + text_report)  # the figures for the closing note (pytest -s)


def keys(service: Service, sender: str) -> list[str]:
    return [r["dedupe_key"] for r in storage.outbox_rows(service.store, storage.OUTBOX_STATES, 100)
            if r["sender"] == sender]  # fmt: skip
