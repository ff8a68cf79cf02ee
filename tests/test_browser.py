"""The staff page in a real Chromium (Debian's `chromium`, driven by Playwright; no browser download).

The service runs on 127.0.0.1 with a fake Twilio; Chromium may resolve no other host. Nothing waits a fixed time:
every wait is for a condition (a selector, a URL, a recorded request) with a timeout.

`make test` installs chromium when it is missing; without it these tests skip, except in CI (`CI` set), where a
missing browser is a failure. `make screenshots` (BIBLIOBOT_SCREENSHOTS=1) writes docs/screenshots/*.png.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import smsformat, storage
from bot.cli import main
from bot.services import teach, tickets
from bot.storage import Exchange
from bot.understanding.dates import iso_week
from tests.browser.kit import KAREN, PASSWORD, add_librarian, drain, knowledge_copy, staff_config, twilio_env
from tests.conftest import MOMENT, ROOT
from tests.fakes.service import Service, running_service
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import post_sms, sms_form

pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
WAIT_MS = 15_000  # upper bound for any one condition; they normally hold within a second
# A teach's change is checked against a rebuilt index after the POST has answered: its outcome takes seconds when
# the machine is idle, several times that on a loaded CI machine (test_teach_the_bot_and_bibliobot_ask_answers).
TEACH_WAIT_MS = 120_000
ANNA = "anna@kff.kk.dk"
# A reading-tips question the sample knowledge does not answer yet (librarians teach it in the tests below)
KRIMI = "jeg keder mig, har I et godt bud"


def chromium_path() -> str | None:
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A Chromium per test: Playwright's sync API keeps an event loop running while it is started, which would
    break the other tests' `asyncio.run` if it stayed up for the whole session."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: `make test` installs Debian's chromium before the tests")
        pytest.skip(
            "Debian's chromium is not installed (`make test` installs it: apt-get install -y chromium)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/screenshots when asked for (make screenshots), else the test's own folder."""
    if os.environ.get("BIBLIOBOT_SCREENSHOTS"):
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


@pytest.fixture
def site(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Service]:
    """The service on a copy of the project's knowledge, texting through the fake Twilio, with one librarian."""
    config = staff_config(
        tmp_path, knowledge_copy(tmp_path, ROOT / "knowledge"), **twilio_env(fake_twilio.url)
    )
    with running_service(config, MOMENT) as service:
        add_librarian(service.store, ANNA, MOMENT, admin=True)
        yield service


@pytest.fixture
def page(browser: Browser, site: Service) -> Iterator[Page]:
    context = browser.new_context(base_url=site.url, viewport={"width": 1100, "height": 900}, locale="da-DK")
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Page, email: str = ANNA, password: str = PASSWORD) -> None:
    page.goto("/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def text_in(site: Service, text: str, sender: str = KAREN) -> str:
    """A citizen's SMS through the real webhook, signed as Twilio signs it; returns the answer."""
    response = post_sms(
        site.http, site.url, sms_form(text, sender), token=site.runtime.config.secrets.twilio_auth_token
    )
    assert response.status_code == 200
    return response.text


# -- the librarian's round trip -------------------------------------------------------------------------------------


def test_log_in_a_new_ticket_appears_claim_reply_and_the_sms_goes_out(
    page: Page, site: Service, fake_twilio: FakeTwilio, screenshots: Path
) -> None:
    page.goto("/staff/")
    page.wait_for_url("**/staff/login?next=/staff/")
    log_in(page)
    page.wait_for_url("**/staff/")
    page.wait_for_selector("#inbox-empty")

    answer = text_in(site, KRIMI)
    assert "i dag inden kl. 18" in answer
    site.clock.advance(minutes=9)
    text_in(site, "I want to talk to a librarian about my late fees", sender="+4530123456")
    site.clock.advance(minutes=3)
    row = page.wait_for_selector('[data-ticket="1"]')  # no reload: the inbox refreshes itself
    page.wait_for_selector('[data-ticket="2"]')
    page.wait_for_selector('[data-ticket="1"] >> text=waiting 12 min')
    assert "SMS" in row.inner_text() and "+45******56" in row.inner_text()
    assert KAREN not in page.content()
    page.wait_for_function("document.getElementById('inbox-count').textContent === '2'")
    page.screenshot(path=str(screenshots / "inbox.png"), full_page=True)

    page.click('[data-ticket="1"] a.ticket-link')
    page.wait_for_url("**/staff/tickets/1")
    page.click("#claim")
    page.wait_for_selector("text=Claimed by")
    assert ANNA in page.inner_text("#claim-state")

    page.fill("#reply-body", "Hej! Prøv Jussi Adler-Olsens bøger om Afdeling Q.")
    assert page.inner_text("#segments").startswith("1 SMS · GSM-7")
    page.fill("#reply-body", "Ja " * 100)
    page.wait_for_function("document.getElementById('segments').textContent.startsWith('2 SMS')")
    page.fill("#reply-body", "Hej Zoë! Prøv Jussi Adler-Olsens bøger om Afdeling Q.")
    page.wait_for_function("document.getElementById('segments').textContent.includes('UCS-2')")
    page.screenshot(path=str(screenshots / "ticket.png"), full_page=True)
    page.click("#send")
    page.wait_for_selector("text=Reply 1 is on its way")

    drain(site.runtime.config, site.store, site.runtime.senders, site.clock())
    assert fake_twilio.wait_for(lambda requests: any(r.path.endswith("/Messages.json") for r in requests))
    (sms,) = fake_twilio.messages()
    assert (sms["To"], sms["Body"]) == (KAREN, "Hej Zoë! Prøv Jussi Adler-Olsens bøger om Afdeling Q.")


ARABIC_QUESTION = "فقدت كتابًا استعرته من المكتبة، ماذا أفعل؟"  # "I lost a book I borrowed, what do I do?"
ARABIC_REPLY = "مرحبًا! أخبرنا باسم الكتاب، وسنرسل لك سعره أو نساعدك في إيجاد نسخة بديلة."


def direction_of(page: Page, selector: str) -> str:
    """The direction Chromium lays the element out in (dir="auto" resolved from its text)."""
    return str(page.eval_on_selector(selector, "el => getComputedStyle(el).direction"))


def test_an_arabic_ticket_and_an_arabic_reply_read_right_to_left(
    page: Page, site: Service, fake_twilio: FakeTwilio, screenshots: Path
) -> None:
    log_in(page)
    page.wait_for_url("**/staff/")
    answer = text_in(site, "أمين المكتبة")  # LIBRARIAN in Arabic: a ticket, and the notice in Arabic
    assert "سأحوّل سؤالك" in answer or "طلبت من أمين المكتبة" in answer
    site.clock.advance(minutes=2)
    text_in(site, ARABIC_QUESTION)  # the ticket is open: this goes to it
    site.clock.advance(minutes=5)
    row = page.wait_for_selector('[data-ticket="1"]')
    assert "ar" in row.inner_text()
    assert direction_of(page, '[data-ticket="1"] .msg.in bdi') == "rtl"

    page.click('[data-ticket="1"] a.ticket-link')
    page.wait_for_url("**/staff/tickets/1")
    page.click("#claim")
    page.wait_for_selector("text=Claimed by")
    question = page.locator("#conversation .msg.in p", has_text=ARABIC_QUESTION)
    assert question.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.inner_text("label[for=reply-body]").startswith("Answer in Arabic")
    # The empty reply box already runs right to left, before the librarian types a letter.
    assert direction_of(page, "#reply-body") == "rtl"
    page.fill("#reply-body", ARABIC_REPLY)
    page.wait_for_function("document.getElementById('segments').textContent.includes('UCS-2')")
    assert page.inner_text("#segments").startswith("2 SMS")  # 73 characters: over the 70 of one UCS-2 SMS
    page.screenshot(path=str(screenshots / "ticket-arabic.png"), full_page=True)
    page.click("#send")
    page.wait_for_selector("text=Reply 1 is on its way")
    page.goto("/staff/tickets/1")
    reply = page.locator("#conversation .msg.reply p")
    assert reply.inner_text() == ARABIC_REPLY
    assert reply.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # A Danish line on the same page keeps left to right: the direction follows each text, not the page.
    assert direction_of(page, "h1") == "ltr"

    drain(site.runtime.config, site.store, site.runtime.senders, site.clock())
    assert fake_twilio.wait_for(lambda requests: any(r.path.endswith("/Messages.json") for r in requests))
    (sms,) = fake_twilio.messages()
    assert (sms["To"], sms["Body"]) == (KAREN, ARABIC_REPLY)


def test_teach_the_bot_and_bibliobot_ask_answers(
    page: Page, site: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The full check of the change is held until the page has shown that it is under way (the service runs in
    # this process), so the test sees both notes whatever the index cache holds.
    shown = threading.Event()
    full_check = teach._apply

    def held(root: Path, changes: dict[Path, str]) -> object:
        shown.wait(60)
        return full_check(root, changes)

    monkeypatch.setattr(teach, "_apply", held)
    text_in(site, KRIMI)
    log_in(page)
    page.goto("/staff/tickets/1")
    page.fill("#entry-search", "anbefale")
    page.press("#entry-search", "Enter")
    page.wait_for_url("**/staff/tickets/1?q=anbefale*")
    page.check('#teach-form input[name=entry][value="svc-reading-tips"]')
    # The POST answers at once (the default wait), saying the bot will know the question shortly; the check against
    # the rebuilt index follows in the service's reloader thread, and the page's note changes in place (staff.js)
    # when it is done.
    page.click("#teach-submit")
    page.wait_for_selector("#teach-status >> text=the bot will know the question shortly")
    page.evaluate("window.stillThisPage = true")
    shown.set()
    page.wait_for_selector("text=the bot now answers it with 'svc-reading-tips'", timeout=TEACH_WAIT_MS)
    assert page.evaluate("window.stillThisPage") is True  # the note changed in place: no reload lost a draft

    knowledge = site.runtime.config.knowledge_dir
    result = CliRunner().invoke(main, ["ask", "--json", "--knowledge", str(knowledge), KRIMI])
    assert json.loads(result.output)["entry"] == "svc-reading-tips"
    assert f'  - "{KRIMI}"' in (knowledge / "cases.yaml").read_text(encoding="utf-8")


# -- refusals ---------------------------------------------------------------------------------------------------------


def test_a_wrong_password_and_then_the_lock_out(page: Page, site: Service) -> None:
    log_in(page, password="not my password")
    assert page.inner_text("#login-error") == "Wrong e-mail address or password."
    for _ in range(site.runtime.config.staff.login_max_failures_per_account - 1):
        log_in(page, password="still not it")
    log_in(page)  # the right password, too late
    assert "locked after too many failed logins" in page.inner_text("#login-error")
    assert page.url.endswith("/staff/login")


def test_a_form_without_its_csrf_token_is_refused(page: Page, site: Service) -> None:
    text_in(site, KRIMI)
    log_in(page)
    page.goto("/staff/tickets/1")
    page.fill("#reply-body", "Hej")
    page.evaluate("document.querySelector('#reply-form input[name=csrf_token]').remove()")
    page.click("#send")
    page.wait_for_selector("text=CSRF token missing or wrong")
    assert list(site.store.db.query("SELECT * FROM outbox")) == []


def test_logged_out_every_staff_url_leads_to_the_login_form(page: Page, site: Service) -> None:
    """The list comes from the app's URL map (an app built like the site's), so a new page cannot be forgotten."""
    from bot.app import create_app
    from bot.staff.views import PUBLIC
    from tests.test_staff_web import staff_urls

    app = create_app(site.runtime.config, clock=site.clock)
    try:
        urls = [(method, url) for endpoint, method, url in staff_urls(app) if endpoint not in PUBLIC]
    finally:
        app.extensions["bibliobot"].close()
    assert len(urls) >= 15
    for method, url in urls:
        if method == "GET" and url.startswith("/staff/api/"):
            response = page.goto(url)
            assert response is not None and response.status == 401, url
        elif method == "GET":
            page.goto(url)
            assert "/staff/login" in page.url, url
            assert page.locator("input[name=password]").count() == 1
        else:
            response = page.request.fetch(url, method=method)
            assert response.status == 401, (method, url)


# -- the live counter ------------------------------------------------------------------------------------------------

SAMPLES = [
    "",
    "Hej",
    "a" * 160,
    "a" * 161,
    "€" * 80,
    "€" * 81,
    "Åbningstider: 10-18. Æble, øl og ål.",
    "“Smart quotes” – and an ellipsis…",
    "🙂" * 35,
    "🙂" * 36,
    "x" * 66 + "🙂" + "y" * 10,
    "Læs mere på bibliotek.kk.dk " * 12,
    "  padded  ",
]


def test_the_live_segment_counter_counts_like_the_sms_sender(page: Page, site: Service) -> None:
    log_in(page)
    page.goto("/staff/templates")
    for text in SAMPLES:
        counted = page.evaluate("(t) => window.bibliobotCountSms(t)", text)
        expected = smsformat.to_gsm7(text.strip())
        assert counted["segments"] == smsformat.segments(expected), text
        assert counted["encoding"] == (smsformat.encoding(expected) if expected else "GSM-7"), text
        assert counted["units"] == smsformat.units(expected), text


# -- insight ------------------------------------------------------------------------------------------------------


def seed_history(site: Service, days: int = 14) -> None:
    """Two weeks of traffic as the channels would have logged it, and tickets answered after a while."""
    rng = random.Random(2026)
    brain, config, store = site.runtime.brain(), site.runtime.config, site.store
    questions = [
        "Hvornår skal bogen afleveres?",
        "Har I wifi?",
        "hvordan fornyer jeg mine lån",
        "Can I print in colour?",
        "kan I anbefale en god krimi",
        "kan I anbefale en krimi til min far",
        "hvor kan jeg parkere min ladcykel",
        "må man have hund med på biblioteket",
        "må jeg tage min hund med",
        "hvem vandt fodboldkampen i går",
    ]
    from bot.context import Context
    from bot.conversation import NoConversations
    from bot.core import handle
    from bot.model import Channel, Message

    n = 0
    for day in range(days, 0, -1):
        for _ in range(rng.randint(8, 22)):
            n += 1
            at = MOMENT - timedelta(days=day, minutes=rng.randint(0, 600))
            text = rng.choice(questions)
            channel = "telegram" if rng.random() < 0.3 else "sms"
            ctx = Context(brain=brain, config=config, now=at, conversations=NoConversations())
            reply = handle(Message(text, "console", Channel.CONSOLE, at), ctx)
            sender = f"+45200{rng.randint(1, 90):05d}"  # some citizens write more than once
            storage.claim_inbound(store, channel, f"seed-{n}", sender, at)
            exchange = Exchange(
                channel,
                sender,
                text,
                f"seed-{n}",
                "answered",
                reply.text,
                reply.intent,
                reply.entry,
                str(reply.action),
                reply.lang,
                iso_week(at.astimezone(config.tz).date()),
            )
            storage.finish_inbound(store, exchange, reply.text, at)
            if reply.action == "handoff":
                opened = tickets.open_ticket(
                    store, sender=sender, channel=channel, lang="da", reason="unsure", question=text,
                    candidates=[], confidence=reply.confidence, now=at, config=config,
                )  # fmt: skip
                if rng.random() < 0.85:
                    later = at + timedelta(minutes=rng.choice([5, 12, 25, 40, 90, 180, 600, 1600]))
                    tickets.reply(
                        store, opened.ticket_id, "Svar fra en bibliotekar.", expected_replies=0, staff_id=None,
                        actor="seed", now=later, config=config, close=True,
                    )  # fmt: skip


def seed_campaign(site: Service, senders: int = 14) -> None:
    """A school class texted LÆSELYST a week ago: some for the first time, most said yes, a few came back."""
    store = site.store
    for i in range(senders):
        sender, at = f"+45300{i:05d}", MOMENT - timedelta(days=9, minutes=i)
        storage.attribute_campaign(store, sender, "laeselyst-skole-2027", "sms", "da", i % 3 != 0, at)
        if i % 4:
            storage.consent_campaign(store, sender, "laeselyst-skole-2027", "ja", at + timedelta(minutes=1))
        for k, when in enumerate((at, at + timedelta(days=8)) if i % 2 else (at,)):
            pid = f"camp-{i}-{k}"
            storage.claim_inbound(store, "sms", pid, sender, when)
            exchange = Exchange("sms", sender, "LÆSELYST", pid, "answered", "Velkommen", "campaign", None, "answer",
                                "da", iso_week(when.astimezone(site.runtime.config.tz).date()))  # fmt: skip
            storage.finish_inbound(store, exchange, "Velkommen", when)


def test_the_insight_page(page: Page, site: Service, screenshots: Path) -> None:
    seed_history(site)
    seed_campaign(site)
    log_in(page)
    page.goto("/staff/insight?days=14")
    assert (
        page.locator("svg.plot").count() == 5
    )  # messages, actions, response times, campaigns, citizens per week
    row = page.inner_text("#campaigns tbody tr:first-child")
    assert row.split("\t")[:4] == ["laeselyst-skole-2027", "14", "9", "10"]
    assert "+45" not in page.inner_text("main")
    first = page.inner_text("#unanswered li:first-child")
    assert "krimi" in first or "hund" in first
    page.screenshot(path=str(screenshots / "insight.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#csv")
    assert download.value.suggested_filename == "bibliobot-insight-14d.csv"
