"""The /staff pages and their small JSON API. Every route needs a login except those in PUBLIC.

Plain HTML forms (each with its CSRF token) that post and redirect; JavaScript only adds the inbox refresh, the
live SMS segment counter and template insertion, so every action also works without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns; flask's Response is one

from bot import cases, plainlang, smsformat, storage
from bot.brain import Brain
from bot.catalogues import direction
from bot.channels.inbound import Runtime, runtime
from bot.conversation import NoConversations
from bot.knowledge import Entry, language_name
from bot.languages import LANGUAGES
from bot.model import Channel, Message
from bot.services import insight, teach, tickets
from bot.staff.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Auth,
    LoginRefused,
    StaffUser,
    csrf_ok,
)
from bot.understanding.text import fold

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PUBLIC = {"staff.login"}  # endpoints reachable without a login; tests check this set against the URL map
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SEARCH_RESULTS = 8
INSIGHT_DAYS = (7, 30, 90)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


# The SMS alphabets and sizes for the page's live counter, from bot/smsformat.py (the one place they are written).
SMS_RULES = {
    "basic": "".join(sorted(smsformat.GSM7_BASIC)),
    "extension": "".join(sorted(smsformat.GSM7_EXTENSION)),
    "equivalents": {chr(k): v or "" for k, v in smsformat.GSM7_EQUIVALENTS.items()},
    "gsm7": [smsformat.GSM7_SINGLE, smsformat.GSM7_PART],
    "ucs2": [smsformat.UCS2_SINGLE, smsformat.UCS2_PART],
}


def waited(delta: timedelta) -> str:
    """'4 min', '2 h 5 min', '3 d 4 h'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _label(entry: Entry, lang: str) -> str:
    questions = entry.questions.get(lang) or next(iter(entry.questions.values()))
    return questions[0]


class NotesSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened without its signer when the request carries no session cookie.

    Flask opens the session for every request, and the stock interface derives its signer (an HMAC key) before
    it looks for the cookie: work every webhook request paid for a cookie only /staff pages ever set. With no
    cookie the session is the same empty one either way."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


bp = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
AUTH_EXTENSION = "bibliobot.staff_auth"  # the app's Auth in app.extensions, made when /staff is registered


@bp.record_once
def configure(state: BlueprintSetupState) -> None:
    """Once per app: its staff logins (`Auth`, which may make the signing key) and its session cookie.

    Flask's own session carries only the one-off messages shown after a redirect ("Reply 1 is on its way"); the
    login itself is the server-side session in SESSION_COOKIE. Both cookies stay on /staff."""
    app = state.app
    if not isinstance(app, Flask):  # Flask types the state's app as its sans-IO base, without sessions
        raise TypeError("the staff pages need a Flask app")
    rt = runtime(app)
    auth = Auth(rt.config, rt.store, rt.now())
    app.extensions[AUTH_EXTENSION] = auth
    app.secret_key = auth.key
    app.session_interface = NotesSessions()
    app.config.update(
        SESSION_COOKIE_NAME="bibliobot_staff_notes",
        SESSION_COOKIE_PATH="/staff",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=auth.secure_cookies,
    )


def staff_auth() -> Auth:
    """The logins and sessions of the app handling the current request."""
    auth: Auth = current_app.extensions[AUTH_EXTENSION]
    return auth


def user() -> StaffUser:
    current: StaffUser = g.staff
    return current


def actor() -> str:
    return user().email


def wants_json() -> bool:
    return request.path.startswith("/staff/api/") or request.accept_mimetypes.best == "application/json"


def safe_next(target: str | None) -> str:
    """Only a path on this site's /staff may follow a login."""
    if not target:
        return url_for("staff.inbox")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff") or target.startswith("//"):
        return url_for("staff.inbox")
    return target


# -- the gate: login and CSRF for every request of the blueprint (static files included) -----------------------


@bp.before_request
def gate() -> BaseResponse | None:
    auth = staff_auth()
    if request.endpoint in PUBLIC:
        if request.method not in SAFE_METHODS and not auth.login_token_ok(
            request.cookies.get(LOGIN_COOKIE), request.form.get(CSRF_FIELD)
        ):
            return _refuse_csrf()
        return None
    current = auth.user(request.cookies.get(SESSION_COOKIE), runtime().now())
    if current is None:
        if wants_json() or request.method not in SAFE_METHODS:
            return _json_error("login required", 401)
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
    if request.method not in SAFE_METHODS:
        submitted = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if not csrf_ok(current, submitted):
            return _refuse_csrf()
    g.staff = current
    return None


def _refuse_csrf() -> BaseResponse:
    log.warning("refused a staff request with a missing or wrong CSRF token (%s)", request.path)
    return Response(
        "CSRF token missing or wrong. Reload the page and try again.\n", 400, mimetype="text/plain"
    )


def _json_error(message: str, status: int) -> BaseResponse:
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.after_request
def headers(response: BaseResponse) -> BaseResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.app_context_processor
def template_globals() -> dict[str, Any]:
    staff = g.get("staff")
    return {
        "staff_user": staff,
        "csrf_token": staff.csrf if staff else "",
        "csrf_field": CSRF_FIELD,
        "max_segments": runtime().config.sms.max_segments,
        "sms_rules": SMS_RULES,
    }


def set_cookie(response: BaseResponse, name: str, value: str, max_age: int | None, *, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/staff", secure=secure, httponly=True, samesite="Strict"
    )


def forget_cookie(response: BaseResponse, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/staff", secure=secure, httponly=True, samesite="Strict")


# -- login and logout --------------------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str:
    rt, auth = runtime(), staff_auth()
    error, status = None, 200
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            staff_id = auth.login(
                email, request.form.get("password", ""), request.remote_addr or "-", rt.now()
            )
        except LoginRefused as exc:
            error, status = exc.message, exc.status
        else:
            response = redirect(safe_next(request.args.get("next")))
            cookie = auth.start_session(staff_id, rt.now())
            max_age = rt.config.staff.session_hours * 3600
            set_cookie(response, SESSION_COOKIE, cookie, max_age, secure=auth.secure_cookies)
            forget_cookie(response, LOGIN_COOKIE, secure=auth.secure_cookies)
            return response
    token, cookie = auth.new_login_token()
    css = (HERE / "static" / "staff.css").read_text(encoding="utf-8")
    response = Response(
        render_template("staff/login.html", error=error, email=email, login_token=token, css=css),
        status=status,
    )
    set_cookie(response, LOGIN_COOKIE, cookie, 3600, secure=auth.secure_cookies)
    return response


@bp.post("/logout")
def logout() -> BaseResponse:
    rt, auth = runtime(), staff_auth()
    auth.end_session(user())
    storage.add_audit(rt.store, actor(), "logout", rt.now())
    response = redirect(url_for("staff.login"))
    forget_cookie(response, SESSION_COOKIE, secure=auth.secure_cookies)
    return response


# -- inbox -------------------------------------------------------------------------------------------------------


def inbox_rows(rt: Runtime) -> tuple[list[tickets.Ticket], str]:
    now = rt.now()
    open_tickets = tickets.inbox(rt.store, now, rt.config)
    html = render_template("staff/_tickets.html", tickets=open_tickets, now=now, waited=waited)
    return open_tickets, html


@bp.get("/")
def inbox() -> str:
    rt = runtime()
    open_tickets, rows = inbox_rows(rt)
    return render_template(
        "staff/inbox.html",
        rows=rows,
        count=len(open_tickets),
        refresh=rt.config.staff.inbox_refresh_seconds,
    )


@bp.get("/api/inbox")
def api_inbox() -> BaseResponse:
    open_tickets, rows = inbox_rows(runtime())
    return jsonify(count=len(open_tickets), ids=[t.id for t in open_tickets], html=rows)


# -- one ticket --------------------------------------------------------------------------------------------------


def load(rt: Runtime, ticket_id: int) -> tickets.Ticket:
    ticket = tickets.get(rt.store, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def search_entries(brain: Brain, query: str, lang: str) -> list[Entry]:
    """Entries for the teach form: those whose id or wording contains the words, then the matcher's ranking."""
    words = fold(query).split()
    if not words:
        return []
    found: list[Entry] = []
    for entry in brain.kb.entries:
        haystack = fold(
            " ".join([entry.id, *(q for qs in entry.questions.values() for q in qs), *entry.answer.values()])
        )
        if all(w in haystack for w in words):
            found.append(entry)
    ranked, _ = brain.matcher.rank(query, lang)
    for candidate in ranked:
        hit = brain.kb.entry(candidate.entry)
        if hit is not None and hit not in found:
            found.append(hit)
    return found[:SEARCH_RESULTS]


def ticket_page(
    rt: Runtime, ticket_id: int, *, revealed: str | None = None, status: int = 200
) -> BaseResponse:
    ticket = load(rt, ticket_id)
    brain = rt.brain()
    kb = brain.kb
    candidates = []
    for c in ticket.candidates:
        entry = kb.entry(c["entry"])
        if entry is not None:
            candidates.append(
                {
                    "id": entry.id,
                    "score": c["score"],
                    "label": _label(entry, ticket.lang),
                    "answer": entry.answer_in(ticket.lang),
                }
            )
    query = request.args.get("q", "").strip()
    results = [
        {"id": e.id, "label": _label(e, ticket.lang), "answer": e.answer_in(ticket.lang)}
        for e in search_entries(brain, query, ticket.lang)
    ]
    faq_files = sorted(
        str(p.relative_to(rt.knowledge.root)) for p in (rt.knowledge.root / "faq").glob("*.y*ml")
    )
    page = render_template(
        "staff/ticket.html",
        ticket=ticket,
        now=rt.now(),
        waited=waited,
        candidates=candidates,
        query=query,
        results=results,
        revealed=revealed,
        templates=storage.reply_templates(rt.store),
        faq_files=faq_files,
        mine=ticket.claimed_by == user().id,
        audit=storage.audit_entries(rt.store, 20, ticket_id=ticket.id),
        teaching=teach_status(rt, ticket.id),
        max_segments=rt.config.sms.max_segments,
        direction=direction(ticket.lang),
        language=language_name(ticket.lang),
    )
    return Response(page, status=status)


@bp.get("/tickets/<int:ticket_id>")
def ticket(ticket_id: int) -> BaseResponse:
    return ticket_page(runtime(), ticket_id)


def act(rt: Runtime, ticket_id: int, action: Callable[[], str | None]) -> BaseResponse:
    """Run a ticket action; a TicketError becomes a message on the ticket page (409)."""
    try:
        done = action()
    except tickets.TicketError as exc:
        flash(str(exc), "error")
        return ticket_page(rt, ticket_id, status=409)
    if done:
        flash(done, "ok")
    return redirect(url_for("staff.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/claim")
def claim(ticket_id: int) -> BaseResponse:
    rt = runtime()
    take_over = request.form.get("take_over") == "1"

    def take() -> str:
        tickets.claim(rt.store, ticket_id, user().id, actor(), rt.now(), take_over=take_over)
        return "The ticket is yours."

    return act(rt, ticket_id, take)


@bp.post("/tickets/<int:ticket_id>/release")
def release(ticket_id: int) -> BaseResponse:
    rt = runtime()

    def let_go() -> str:
        tickets.release(rt.store, ticket_id, user().id, actor(), rt.now())
        return "Released."

    return act(rt, ticket_id, let_go)


@bp.post("/tickets/<int:ticket_id>/reply")
def reply(ticket_id: int) -> BaseResponse:
    rt = runtime()
    try:
        expected = int(request.form.get("expected_replies", ""))
    except ValueError:
        abort(400)
    close = request.form.get("close") == "1"

    def send() -> str:
        number = tickets.reply(
            rt.store,
            ticket_id,
            request.form.get("body", ""),
            expected_replies=expected,
            staff_id=user().id,
            actor=actor(),
            now=rt.now(),
            config=rt.config,
            close=close,
        )
        return f"Reply {number} is on its way to the citizen" + (
            " and the ticket is closed." if close else "."
        )

    response = act(rt, ticket_id, send)
    if response.status_code == 302 and close:
        return redirect(url_for("staff.inbox"))
    return response


@bp.post("/tickets/<int:ticket_id>/close")
def close(ticket_id: int) -> BaseResponse:
    rt = runtime()

    def shut() -> str:
        tickets.close(rt.store, ticket_id, user().id, actor(), rt.now())
        return "Closed."

    response = act(rt, ticket_id, shut)
    return redirect(url_for("staff.inbox")) if response.status_code == 302 else response


@bp.post("/tickets/<int:ticket_id>/reveal")
def reveal(ticket_id: int) -> BaseResponse:
    rt = runtime()
    load(rt, ticket_id)
    number = tickets.reveal(rt.store, ticket_id, actor(), rt.now())
    return ticket_page(rt, ticket_id, revealed=number)


# -- teaching ----------------------------------------------------------------------------------------------------


def answered_now(rt: Runtime, question: str) -> str:
    """What the bot answers to the question now, in words for the librarian."""
    from bot.context import Context
    from bot.core import handle

    now = rt.now()
    ctx = Context(brain=rt.brain(), config=rt.config, now=now, conversations=NoConversations())
    reply = handle(Message(question, "staff:check", Channel.CONSOLE, now), ctx)
    if reply.action == "answer" and reply.entry:
        return f"the bot now answers it with '{reply.entry}'"
    return f"the bot's answer to it is now: {reply.action}"


def taught(rt: Runtime, ticket_id: int | None, change: Callable[[], teach.Taught], what: str) -> BaseResponse:
    """A change made within the request (a regression case: the FAQ is unchanged, so its index comes from the
    cache and the check takes a moment), then the running knowledge reloaded and the outcome flashed."""
    back = url_for("staff.ticket", ticket_id=ticket_id) if ticket_id else url_for("staff.cases")
    try:
        result = change()
    except teach.TeachError as exc:
        refused(exc)
        storage.add_audit(rt.store, actor(), "teach-refused", rt.now(), ticket_id=ticket_id, what=what)
        return redirect(back)
    rt.knowledge.reload(force=True)
    storage.add_audit(
        rt.store, actor(), "teach", rt.now(), ticket_id=ticket_id, what=what, entry=result.entry,
        files=result.files,
    )  # fmt: skip
    question = request.form.get("question", "")
    flash(f"Saved to {', '.join(result.files)}; {answered_now(rt, question)}.", "ok")
    return redirect(back)


def refused(exc: teach.TeachError) -> None:
    flash(exc.message, "error")
    for problem in exc.problems:
        flash(problem, "problem")


def teach_later(
    rt: Runtime,
    ticket_id: int,
    check: Callable[[], object],
    change: Callable[[], teach.Taught],
    what: str,
    question: str,
) -> BaseResponse:
    """A change to the FAQ from a ticket: refused at once when `check` refuses it (the input, the YAML, the
    knowledge read like `kb check` without running the cases: milliseconds), else queued in the reloader's thread
    (`run_teach`), and the page answers at once.

    Why not within the request: the full check runs the regression cases against the changed knowledge's index,
    which has to be trained anew (tens of seconds on the sample knowledge, minutes on a large one), and a
    librarian should not wait for it, nor a web worker's thread be held. The files are still written only after
    the full check passes, so the knowledge folder never holds a change the cases refuse; the ticket page shows
    the outcome (bot/storage/tickets.py: teach jobs) from whichever worker process answers it."""
    back = url_for("staff.ticket", ticket_id=ticket_id)
    try:
        check()
    except teach.TeachError as exc:
        refused(exc)
        storage.add_audit(rt.store, actor(), "teach-refused", rt.now(), ticket_id=ticket_id, what=what)
        return redirect(back)
    who = actor()
    job = storage.queue_teach(rt.store, ticket_id, who, what, rt.now())
    queued = rt.in_reloader(lambda: run_teach(rt, job, ticket_id, who, change, what, question))
    if queued is None:  # the service is stopping
        storage.finish_teach(rt.store, job, "failed", STOPPING, [], rt.now())
    return redirect(back)


STOPPING = "The service was stopping, so nothing was changed; teach it again in a minute."
FAILED = (
    "The change could not be checked, so nothing was changed; the service's log says why. Try again later."
)


def run_teach(
    rt: Runtime,
    job: int,
    ticket_id: int,
    who: str,
    change: Callable[[], teach.Taught],
    what: str,
    question: str,
) -> None:
    """The reloader thread's part of a teach (`teach_later`): check it in full and write it, reload, and record
    what the librarian is to see. Never raises: every outcome is the teach's record."""
    try:
        result = change()
    except teach.TeachError as exc:
        storage.finish_teach(rt.store, job, "refused", exc.message, exc.problems, rt.now())
        storage.add_audit(rt.store, who, "teach-refused", rt.now(), ticket_id=ticket_id, what=what)
        return
    except Exception:
        # An index build that timed out (bot.brain.BuildTimeout), a full disk: nothing was written.
        log.exception("teaching from ticket %d failed; nothing was changed", ticket_id)
        storage.finish_teach(rt.store, job, "failed", FAILED, [], rt.now())
        return
    storage.add_audit(
        rt.store,
        who,
        "teach",
        rt.now(),
        ticket_id=ticket_id,
        what=what,
        entry=result.entry,
        files=result.files,
    )
    saved = f"Saved to {', '.join(result.files)}"
    try:
        rt.knowledge.reload(force=True)
    except Exception:
        log.exception("the knowledge taught from ticket %d is written but could not be loaded yet", ticket_id)
        message = (
            f"{saved}; the bot will answer it once the knowledge is reloaded "
            "(that failed this time; it is tried again)"
        )
        storage.finish_teach(rt.store, job, "done", message, [], rt.now())
        return
    storage.finish_teach(rt.store, job, "done", f"{saved}; {answered_now(rt, question)}.", [], rt.now())


def teach_status(rt: Runtime, ticket_id: int) -> dict[str, Any] | None:
    """The newest teach from a ticket as the page shows it; a queued one older than any build can take is "lost"
    (the worker process that had it stopped before it finished)."""
    row = storage.latest_teach(rt.store, ticket_id)
    if row is None:
        return None
    queued_at = datetime.fromisoformat(str(row["queued_at"]).replace("Z", "+00:00"))
    lost_after = timedelta(seconds=rt.config.knowledge.build_timeout_seconds + LOST_TEACH_MARGIN_SECONDS)
    if row["state"] == "queued" and rt.now() - queued_at > lost_after:
        row["state"] = "lost"
    row["since"] = queued_at.strftime("%H:%M")
    return row


# A queued teach is taken for lost this long after a build would have been killed (bot.brain's timeout and lock
# grace, and the cases run twice on the way).
LOST_TEACH_MARGIN_SECONDS = 600


@bp.get("/api/tickets/<int:ticket_id>/teach")
def api_teach_status(ticket_id: int) -> BaseResponse:
    """The teach status of a ticket page, for staff.js to replace while a teach is under way."""
    rt = runtime()
    load(rt, ticket_id)
    teaching = teach_status(rt, ticket_id)
    html = render_template("staff/_teach_status.html", teaching=teaching, ticket_id=ticket_id)
    return jsonify(pending=bool(teaching and teaching["state"] == "queued"), html=html)


def note(rt: Runtime, ticket_id: int | None) -> str:
    day = rt.now().date().isoformat()
    return f"ticket {ticket_id}, {day}" if ticket_id else f"added {day}"


@bp.post("/tickets/<int:ticket_id>/teach")
def teach_question(ticket_id: int) -> BaseResponse:
    rt = runtime()
    ticket = load(rt, ticket_id)
    entry = request.form.get("entry", "")
    lang = request.form.get("lang") or ticket.lang
    question = request.form.get("question", "")
    root, kb, ticket_note = rt.knowledge.root, rt.brain().kb, note(rt, ticket_id)
    return teach_later(
        rt,
        ticket_id,
        lambda: teach.check_question(root, entry, lang, question, kb=kb),
        lambda: teach.add_question(root, entry, lang, question, note=ticket_note, kb=kb),
        "question",
        question,
    )


@bp.post("/tickets/<int:ticket_id>/new-entry")
def new_entry(ticket_id: int) -> BaseResponse:
    rt = runtime()
    load(rt, ticket_id)
    form = request.form
    root, ticket_note = rt.knowledge.root, note(rt, ticket_id)
    file, entry_id, link = form.get("file", ""), form.get("entry_id", "").strip(), form.get("link") or None
    questions = {"da": [form.get("question_da", "")], "en": [form.get("question_en", "")]}
    answers = {"da": form.get("answer_da", ""), "en": form.get("answer_en", "")}

    def check() -> None:
        written = teach.check_entry(root, file, entry_id, questions, answers, link=link)
        for lang, answer in written.items():
            for warning in plainlang.warnings(answer, rt.config.sms.max_segments, lang):
                flash(f"Plain language, answer in {lang}: {warning}.", "warning")

    return teach_later(
        rt,
        ticket_id,
        check,
        lambda: teach.add_entry(root, file, entry_id, questions, answers, link=link, note=ticket_note),
        "new-entry",
        form.get("question_da") or form.get("question_en") or "",
    )


@bp.get("/cases")
def cases_page() -> str:
    kb = runtime().brain().kb
    report = kb.extras.get("cases")
    outcomes = report.outcomes if isinstance(report, cases.CaseReport) else []
    listed = report.cases if isinstance(report, cases.CaseReport) else []
    return render_template(
        "staff/cases.html",
        cases=listed,
        outcomes={o.case: o for o in outcomes},
        entries=sorted(e.id for e in kb.entries),
    )


@bp.post("/cases")
def add_case() -> BaseResponse:
    rt = runtime()
    entry = request.form.get("entry", "").strip()
    question = request.form.get("question", "")
    if rt.brain().kb.entry(entry) is None:
        flash(f"There is no entry '{entry}'.", "error")
        return redirect(url_for("staff.cases"))
    return taught(
        rt, None, lambda: teach.add_case(rt.knowledge.root, entry, question, note=note(rt, None)), "case"
    )


# -- reply templates ---------------------------------------------------------------------------------------------


@bp.get("/templates")
def templates_page() -> str:
    rt = runtime()
    return render_template(
        "staff/templates.html",
        templates=storage.reply_templates(rt.store),
        languages=[(code, language_name(code)) for code in rt.config.locale.languages],
    )


@bp.post("/templates")
def add_template() -> BaseResponse:
    rt = runtime()
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "").strip()
    lang = request.form.get("lang", "da")
    if not title or not body or lang not in LANGUAGES:
        flash("A template needs a title, a language and a text.", "error")
    else:
        template_id = storage.add_reply_template(rt.store, title, lang, body, user().id, rt.now())
        storage.add_audit(rt.store, actor(), "template-add", rt.now(), template=template_id, title=title)
        flash(f"Template '{title}' saved.", "ok")
    return redirect(url_for("staff.templates_page"))


@bp.post("/templates/<int:template_id>/delete")
def delete_template(template_id: int) -> BaseResponse:
    rt = runtime()
    gone = storage.delete_reply_template(rt.store, template_id)
    if gone is None:
        abort(404)
    storage.add_audit(
        rt.store, actor(), "template-delete", rt.now(), template=template_id, title=gone["title"]
    )
    flash(f"Template '{gone['title']}' deleted.", "ok")
    return redirect(url_for("staff.templates_page"))


# -- insight and audit -------------------------------------------------------------------------------------------


def period(rt: Runtime) -> tuple[int, datetime, datetime]:
    try:
        days = max(1, min(int(request.args.get("days", "30")), 366))
    except ValueError:
        days = 30
    until = rt.now()
    return days, until - timedelta(days=days), until


@bp.get("/insight")
def insight_page() -> str:
    rt = runtime()
    days, since, until = period(rt)
    report = insight.build(rt.store, since, until, rt.config.tz)
    return render_template(
        "staff/insight.html",
        report=report,
        days=days,
        choices=INSIGHT_DAYS,
        plots={
            "messages": insight.plot_messages_per_day(report),
            "actions": insight.plot_actions(report),
            "response": insight.plot_response_times(report),
            "weeks": insight.plot_citizens_per_week(report),
            "campaigns": insight.plot_campaigns(report),
        },
        minutes=insight._minutes,
    )


@bp.get("/insight.csv")
def insight_csv() -> BaseResponse:
    rt = runtime()
    days, since, until = period(rt)
    report = insight.build(rt.store, since, until, rt.config.tz)
    return Response(
        insight.to_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="bibliobot-insight-{days}d.csv"'},
    )


@bp.get("/insight-<table>.csv")
def insight_table_csv(table: str) -> BaseResponse:
    """One table of the report as its own CSV (campaigns, citizens per week), for the municipality."""
    rt = runtime()
    days, since, until = period(rt)
    files = insight.csv_files(insight.build(rt.store, since, until, rt.config.tz))
    name = f"{table}.csv"
    if name not in files or name == "insight.csv":
        abort(404)
    return Response(
        files[name],
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="bibliobot-{table}-{days}d.csv"'},
    )


@bp.get("/audit")
def audit() -> str:
    if not user().is_admin:
        abort(403)
    return render_template("staff/audit.html", entries=storage.audit_entries(runtime().store, 500))


@bp.get("/api/segments")
def api_segments() -> BaseResponse:
    """The server's count for a text (the page counts as you type; this is the same rule, for checks)."""
    text = smsformat.to_gsm7(request.args.get("text", ""))
    return jsonify(
        segments=smsformat.segments(text), encoding=smsformat.encoding(text), units=smsformat.units(text)
    )
