"""Insight for librarians: what citizens ask, how the bot copes, how fast librarians answer, what to write next.

One `Report` from the message log and the tickets of a period feeds three outputs: the /staff/insight page (plots
drawn here as plain SVG, no plotting library and no JavaScript), `bibliobot report` in the terminal, and CSV.
Nothing here names a citizen: the report holds counts, durations and the texts of unanswered questions.

Unanswered questions are grouped by what they are about: each is reduced to its content words' stems, and a
question joins the first group whose first question shares at least GROUP_MIN_OVERLAP of its stems.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot import storage
from bot.phone import mask_cpr
from bot.storage import Store
from bot.understanding import langid, language, router
from bot.understanding.dates import iso_week
from bot.understanding.text import STOPWORDS, normalise, stem, strip_filler

ACTIONS = ("answer", "clarify", "handoff")
# Intents that are not questions to the bot: keywords (campaign keywords and the yes to their offer too),
# notices, and messages that went to an open ticket.
NOT_QUESTIONS = {"stop", "start", "help", "notice", "ticket", "staff", "delete", "campaign"}
GROUP_MIN_OVERLAP = 0.5  # share of the smaller question's stems that two questions must share to be grouped
TOP_GROUPS = 10
EXAMPLES_PER_GROUP = 3
# Librarian response time buckets: (label, upper bound in minutes).
RESPONSE_BUCKETS = (
    ("< 15 min", 15),
    ("15–60 min", 60),
    ("1–4 h", 240),
    ("4–24 h", 1440),
    ("> 24 h", float("inf")),
)
CHANNEL_COLOURS = {"sms": "#2b6cb0", "telegram": "#38a169", "console": "#a0aec0"}
ACTION_COLOURS = {"answer": "#38a169", "clarify": "#d69e2e", "handoff": "#c53030"}
ACTION_LABELS = {"answer": "answered", "clarify": "clarified", "handoff": "handed off"}


@dataclass(frozen=True)
class QuestionGroup:
    count: int
    examples: list[str]


@dataclass(frozen=True)
class CampaignFigures:
    """One campaign's keep-and-win figures: counts of citizens, never who they are.

    `first_time`: their first message ever to the service was the keyword. `returned_7`/`returned_30`: they wrote
    again (anything) 7/30 days or more after the keyword; only citizens whose keyword is at least that long ago
    can have, and those are `eligible_7`/`eligible_30`. `subscribed`: they have a subscription made since the
    keyword (the campaign's own topic or any other). `opted_out`: they texted STOP since.
    """

    campaign: str
    senders: int
    first_time: int
    consented: int
    returned_7: int
    eligible_7: int
    returned_30: int
    eligible_30: int
    subscribed: int
    opted_out: int


@dataclass(frozen=True)
class WeekFigures:
    """Citizens who wrote in one ISO week, by the language of their first message that week: new (their first
    contact ever was that week) and returning (they had written before)."""

    week: str
    new: dict[str, int]
    returning: dict[str, int]

    @property
    def total_new(self) -> int:
        return sum(self.new.values())

    @property
    def total_returning(self) -> int:
        return sum(self.returning.values())


@dataclass
class Report:
    since: datetime
    until: datetime
    days: list[date]
    per_day: dict[str, list[int]]  # channel -> inbound messages per day, aligned with `days`
    actions: dict[str, int]  # answer / clarify / handoff among the questions to the bot
    tickets_opened: int
    tickets_answered: int
    response_minutes: list[float]  # first reply after the ticket was opened, per answered ticket
    unanswered: list[QuestionGroup] = field(default_factory=list)
    campaigns: list[CampaignFigures] = field(default_factory=list)
    weeks: list[WeekFigures] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        """Every language seen in the weekly figures, most citizens first."""
        seen: Counter[str] = Counter()
        for w in self.weeks:
            seen.update(w.new)
            seen.update(w.returning)
        return [lang for lang, _ in seen.most_common()]

    @property
    def messages(self) -> int:
        return sum(sum(v) for v in self.per_day.values())

    @property
    def questions(self) -> int:
        return sum(self.actions.values())

    def share(self, action: str) -> float:
        return self.actions.get(action, 0) / self.questions if self.questions else 0.0

    def response_buckets(self) -> list[tuple[str, int]]:
        counts = [0] * len(RESPONSE_BUCKETS)
        for minutes in self.response_minutes:
            for i, (_, upper) in enumerate(RESPONSE_BUCKETS):
                if minutes < upper:
                    counts[i] += 1
                    break
        buckets = [(label, n) for (label, _), n in zip(RESPONSE_BUCKETS, counts, strict=True)]
        return [*buckets, ("not yet", self.tickets_opened - self.tickets_answered)]

    def response_median(self) -> float | None:
        return statistics.median(self.response_minutes) if self.response_minutes else None

    def response_p90(self) -> float | None:
        if len(self.response_minutes) < 2:
            return self.response_minutes[0] if self.response_minutes else None
        return statistics.quantiles(self.response_minutes, n=10, method="inclusive")[-1]


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stems(text: str) -> frozenset[str]:
    norm = strip_filler(normalise(text))
    lang = langid.detect(text)
    lang = lang if lang in language.lexical_codes() else "da"  # the languages the matcher stems
    return frozenset(stem(w, lang) for w in norm.split() if w not in STOPWORDS and len(w) > 1)


def group_questions(texts: list[str]) -> list[QuestionGroup]:
    """Group similar questions; the biggest groups first, each with its most frequent wordings as examples."""
    wordings = Counter(" ".join(t.split()) for t in texts if t.strip())
    groups: list[tuple[frozenset[str], Counter[str]]] = []
    for text, n in wordings.most_common():
        terms = _stems(text)
        for anchor, members in groups:
            smaller = min(len(anchor), len(terms))
            if smaller and len(anchor & terms) / smaller >= GROUP_MIN_OVERLAP:
                members[text] += n
                break
        else:
            groups.append((terms, Counter({text: n})))
    result = [
        QuestionGroup(sum(members.values()), [t for t, _ in members.most_common(EXAMPLES_PER_GROUP)])
        for _, members in groups
    ]
    return sorted(result, key=lambda g: (-g.count, g.examples[0]))[:TOP_GROUPS]


def build(store: Store, since: datetime, until: datetime, tz: ZoneInfo) -> Report:
    """The figures from `since` up to and including `until` (now, usually), from the message log and the tickets."""
    first, last = since.astimezone(tz).date(), until.astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    per_day: dict[str, list[int]] = {}
    actions: Counter[str] = Counter()
    unanswered: list[str] = []
    for row in storage.inbound_log(store, since, until):
        day = _time(row["at"]).astimezone(tz).date()
        per_day.setdefault(row["channel"], [0] * len(days))[index[day]] += 1
        if row["intent"] in NOT_QUESTIONS or row["action"] not in ACTIONS:
            continue
        actions[row["action"]] += 1
        # A hand-off because the bot could not answer is a lesson; "talk to a human" is not a question.
        if row["action"] == "handoff" and router.route(row["text"]).intent != "handoff":
            unanswered.append(mask_cpr(row["text"]))  # masked on arrival; older rows masked here
    opened = storage.tickets_created(store, since, until)
    minutes = [
        (_time(t["first_reply_at"]) - _time(t["created_at"])).total_seconds() / 60
        for t in opened
        if t["first_reply_at"]
    ]
    return Report(
        since=since,
        until=until,
        days=days,
        per_day=dict(sorted(per_day.items())),
        actions={a: actions.get(a, 0) for a in ACTIONS},
        tickets_opened=len(opened),
        tickets_answered=len(minutes),
        response_minutes=minutes,
        unanswered=group_questions(unanswered),
        campaigns=campaign_figures(store, until),
        weeks=week_figures(store, first, last, tz),
    )


RETURN_AFTER = (timedelta(days=7), timedelta(days=30))
UNKNOWN_LANGUAGE = "?"  # citizens who wrote before the language was recorded


def campaign_figures(store: Store, until: datetime) -> list[CampaignFigures]:
    """Every campaign's figures as of `until`, over all its attributions up to then (a campaign runs longer
    than a report's period, and the municipality asks what it achieved in all)."""
    week, month = RETURN_AFTER
    rows: dict[str, list[dict[str, object]]] = {}
    for row in storage.campaign_rows(store):
        if _time(str(row["first_at"])) <= until:
            rows.setdefault(str(row["campaign"]), []).append(row)
    out = []
    for campaign, items in rows.items():
        firsts = [
            (_time(str(r["first_at"])), _time(str(r["last_at"])) if r["last_at"] else None) for r in items
        ]

        def returned(
            after: timedelta, firsts: list[tuple[datetime, datetime | None]] = firsts
        ) -> tuple[int, int]:
            eligible = [(f, last) for f, last in firsts if f + after <= until]
            back = sum(1 for f, last in eligible if last is not None and f + after <= min(last, until))
            return back, len(eligible)

        r7, e7 = returned(week)
        r30, e30 = returned(month)
        out.append(
            CampaignFigures(
                campaign=campaign,
                senders=len(items),
                first_time=sum(1 for r in items if r["first_time"]),
                consented=sum(1 for r in items if _by(r["consent_at"], until)),
                returned_7=r7,
                eligible_7=e7,
                returned_30=r30,
                eligible_30=e30,
                subscribed=sum(1 for r in items if _by(r["subscribed_at"], until)),
                opted_out=sum(1 for r in items if _by(r["opted_out_at"], until)),
            )
        )
    return out


def _by(moment: object, until: datetime) -> bool:
    return moment is not None and _time(str(moment)) <= until


def week_figures(store: Store, first: date, last: date, tz: ZoneInfo) -> list[WeekFigures]:
    """New and returning citizens per ISO week of the period, by language; weeks with nobody are shown too."""
    weeks: list[str] = []
    day = first - timedelta(days=first.weekday())
    while day <= last:
        weeks.append(iso_week(day))
        day += timedelta(days=7)
    table = {w: WeekFigures(w, Counter(), Counter()) for w in weeks}
    for row in storage.citizen_week_rows(store, weeks[0], weeks[-1]):
        figures = table.get(str(row["week"]))
        if figures is None:
            continue
        lang = str(row["lang"] or UNKNOWN_LANGUAGE)
        began = row["citizen_first_at"]
        is_new = began is None or iso_week(_time(str(began)).astimezone(tz).date()) >= figures.week
        (figures.new if is_new else figures.returning)[lang] += 1
    return [WeekFigures(w.week, dict(w.new), dict(w.returning)) for w in table.values()]


# ---------------------------------------------------------------------------------------------------------------
# Terminal and CSV


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 90:
        return f"{value:.0f} min"
    return f"{value / 60:.1f} h"


def to_text(report: Report) -> str:
    lines = [
        f"bibliobot report {report.days[0]} – {report.days[-1]} ({len(report.days)} days)",
        "",
        f"Messages in: {report.messages}"
        + "".join(f"   {channel}: {sum(counts)}" for channel, counts in report.per_day.items()),
        f"Questions to the bot: {report.questions}"
        + "".join(f"   {ACTION_LABELS[a]}: {report.actions[a]} ({report.share(a):.0%})" for a in ACTIONS),
        f"Tickets: {report.tickets_opened} opened, {report.tickets_answered} answered; first reply median "
        f"{_minutes(report.response_median())}, 90th percentile {_minutes(report.response_p90())}",
        "",
        "Most frequent unanswered questions (write these next):",
    ]
    if not report.unanswered:
        lines.append("  (none)")
    for n, group in enumerate(report.unanswered, 1):
        lines.append(f"  {n:2}. {group.count:4}×  {group.examples[0]}")
        lines.extend(f"             also: {e}" for e in group.examples[1:])
    lines += ["", "Campaigns (every citizen who texted the keyword, up to the end of the period):"]
    if not report.campaigns:
        lines.append("  (none)")
    else:
        lines.append(
            f"  {'campaign':<28}{'senders':>8}{'first-time':>11}{'said yes':>9}{'back 7d':>10}{'back 30d':>10}"
            f"{'subscribed':>11}{'opted out':>10}"
        )
        for c in report.campaigns:
            lines.append(
                f"  {c.campaign:<28}{c.senders:>8}{c.first_time:>11}{c.consented:>9}"
                f"{f'{c.returned_7}/{c.eligible_7}':>10}{f'{c.returned_30}/{c.eligible_30}':>10}"
                f"{c.subscribed:>11}{c.opted_out:>10}"
            )
        lines.append(
            "  (back 7d/30d: wrote again 7/30 days or more after the keyword, of those for whom that is past)"
        )
    lines += ["", "New and returning citizens per week (new/returning, by language):"]
    langs = report.languages
    lines.append(f"  {'week':<10}{'new':>6}{'returning':>10}" + "".join(f"{lang:>10}" for lang in langs))
    for w in report.weeks:
        cells = "".join(f"{f'{w.new.get(lang, 0)}/{w.returning.get(lang, 0)}':>10}" for lang in langs)
        lines.append(f"  {w.week:<10}{w.total_new:>6}{w.total_returning:>10}{cells}")
    return "\n".join(lines)


CAMPAIGN_COLUMNS = (
    "senders",
    "first_time",
    "consented",
    "returned_7",
    "eligible_7",
    "returned_30",
    "eligible_30",
    "subscribed",
    "opted_out",
)


def campaigns_csv(report: Report) -> str:
    """One row per campaign, one column per figure (for the municipality's spreadsheet)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["campaign", *CAMPAIGN_COLUMNS])
    for c in report.campaigns:
        w.writerow([c.campaign, *(getattr(c, k) for k in CAMPAIGN_COLUMNS)])
    return out.getvalue()


def weeks_csv(report: Report) -> str:
    """One row per ISO week and language: new and returning citizens."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["week", "language", "new", "returning"])
    for week in report.weeks:
        for lang in sorted(set(week.new) | set(week.returning)):
            w.writerow([week.week, lang, week.new.get(lang, 0), week.returning.get(lang, 0)])
    return out.getvalue()


def csv_files(report: Report) -> dict[str, str]:
    """The report as separate tables, by file name: `bibliobot report --csv-dir DIR` writes these."""
    return {
        "insight.csv": to_csv(report),
        "campaigns.csv": campaigns_csv(report),
        "citizens_per_week.csv": weeks_csv(report),
    }


def to_csv(report: Report) -> str:
    """One table: section, key, value (per-day rows keyed by date and channel)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "key", "value"])
    for channel, counts in report.per_day.items():
        for day, n in zip(report.days, counts, strict=True):
            w.writerow(["messages_per_day", f"{day.isoformat()} {channel}", n])
    for action in ACTIONS:
        w.writerow(["actions", action, report.actions[action]])
    w.writerow(["tickets", "opened", report.tickets_opened])
    w.writerow(["tickets", "answered", report.tickets_answered])
    median, p90 = report.response_median(), report.response_p90()
    w.writerow(["response_minutes", "median", "" if median is None else round(median, 1)])
    w.writerow(["response_minutes", "p90", "" if p90 is None else round(p90, 1)])
    for label, n in report.response_buckets():
        w.writerow(["response_buckets", label, n])
    for group in report.unanswered:
        w.writerow(["unanswered", " | ".join(group.examples), group.count])
    for c in report.campaigns:
        for key in CAMPAIGN_COLUMNS:
            w.writerow([f"campaign {c.campaign}", key, getattr(c, key)])
    for week in report.weeks:
        for lang in sorted(set(week.new) | set(week.returning)):
            w.writerow(["citizens_per_week", f"{week.week} {lang} new", week.new.get(lang, 0)])
            w.writerow(["citizens_per_week", f"{week.week} {lang} returning", week.returning.get(lang, 0)])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# SVG plots


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="plot"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _nice_max(value: int, ticks: int = 4) -> int:
    """The top of an axis with `ticks` equal whole-numbered steps (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ)."""
    raw = max(value, 1) / ticks
    magnitude = 1
    while True:
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            size = step * magnitude
            if size == int(size) and size >= raw:
                return int(size) * ticks
        magnitude *= 10


def _grid(body: list[str], left: int, width: int, top: int, plot_h: int, ymax: int) -> None:
    """Five horizontal grid lines with their values, from 0 to ymax."""
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{ymax * k / 4:.0f}</text>'
        )


def _stack(
    body: list[str],
    x: float,
    base: float,
    bar_w: float,
    pad: float,
    plot_h: float,
    ymax: int,
    parts: list[tuple[int, str, str]],
) -> None:
    """One stacked bar from `base` upwards: (count, colour, tooltip) per part, ymax reaching plot_h."""
    y = base
    for count, colour, title in parts:
        h = plot_h * count / ymax if ymax else 0
        if h:
            body.append(
                f'<rect x="{x + pad:.1f}" y="{y - h:.1f}" width="{max(bar_w - 2 * pad, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{title}: {count}</title></rect>'
            )
            y -= h


def _x_label(body: list[str], i: int, n: int, x: float, bar_w: float, y: float, text: str) -> None:
    """The label under bar i of n: every bar's up to 14 bars, about ten of them beyond."""
    if n <= 14 or i % max(1, n // 10) == 0:
        body.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y}" text-anchor="middle" font-size="10">{text}</text>'
        )


def plot_messages_per_day(report: Report) -> str:
    """Stacked bars: inbound messages per day, one colour per channel."""
    width, height, left, bottom, top = 720, 260, 40, 40, 20
    n = max(len(report.days), 1)
    totals = [sum(report.per_day[c][i] for c in report.per_day) for i in range(len(report.days))]
    ymax = _nice_max(max(totals, default=0))
    plot_h = height - bottom - top
    bar_w = (width - left - 10) / n
    body: list[str] = []
    _grid(body, left, width, top, plot_h, ymax)
    for i, day in enumerate(report.days):
        x = left + i * bar_w
        parts = [
            (counts[i], CHANNEL_COLOURS.get(channel, "#718096"), f"{day.isoformat()} {escape(channel)}")
            for channel, counts in report.per_day.items()
        ]
        _stack(body, x, top + plot_h, bar_w, 1, plot_h, ymax, parts)
        _x_label(body, i, n, x, bar_w, height - bottom + 14, f"{day.day}/{day.month}")
    legend_x = left
    for channel in report.per_day:
        colour = CHANNEL_COLOURS.get(channel, "#718096")
        body.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{legend_x + 14}" y="{height - 5}" font-size="11">{escape(channel)}</text>')
        legend_x += 90
    return _svg(width, height, body, "Messages per day by channel")


def plot_actions(report: Report) -> str:
    """One horizontal bar split into answered / clarified / handed-off shares."""
    width, height = 720, 70
    body: list[str] = []
    x = 0.0
    if report.questions == 0:
        body.append('<text x="0" y="30" font-size="12">No questions in this period.</text>')
    for action in ACTIONS:
        share = report.share(action)
        w = (width - 2) * share
        if w <= 0:
            continue
        body.append(
            f'<rect x="{x + 1:.1f}" y="5" width="{w:.1f}" height="32" fill="{ACTION_COLOURS[action]}">'
            f"<title>{ACTION_LABELS[action]}: {report.actions[action]}</title></rect>"
        )
        if share >= 0.08:
            body.append(
                f'<text x="{x + w / 2 + 1:.1f}" y="26" text-anchor="middle" font-size="12" fill="#fff">'
                f"{ACTION_LABELS[action]} {share:.0%}</text>"
            )
        x += w
    legend_x = 0
    for action in ACTIONS:
        body.append(f'<rect x="{legend_x}" y="50" width="10" height="10" fill="{ACTION_COLOURS[action]}"/>')
        body.append(
            f'<text x="{legend_x + 14}" y="59" font-size="11">{ACTION_LABELS[action]} ({report.actions[action]})</text>'
        )
        legend_x += 170
    return _svg(width, height, body, "Answered, clarified and handed-off shares")


def plot_response_times(report: Report) -> str:
    """Bars: how many tickets got their first reply within each time bucket (and how many none yet)."""
    buckets = report.response_buckets()
    width, height, left, bottom, top = 720, 220, 40, 30, 15
    ymax = _nice_max(max((n for _, n in buckets), default=0))
    plot_h = height - bottom - top
    bar_w = (width - left - 10) / len(buckets)
    body: list[str] = []
    _grid(body, left, width, top, plot_h, ymax)
    for i, (label, n) in enumerate(buckets):
        h = plot_h * n / ymax if ymax else 0
        x = left + i * bar_w
        colour = "#a0aec0" if label == "not yet" else "#2b6cb0"
        body.append(
            f'<rect x="{x + 8:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 16:.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {n}</title></rect>'
        )
        body.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)} ({n})</text>"
        )
    return _svg(width, height, body, "Librarian response times (first reply)")


NEW_COLOUR, RETURNING_COLOUR = "#2b6cb0", "#90cdf4"


def plot_citizens_per_week(report: Report) -> str:
    """Stacked bars per ISO week: citizens who wrote for the first time, and citizens who came back."""
    width, height, left, bottom, top = 720, 240, 40, 40, 15
    weeks = report.weeks
    n = max(len(weeks), 1)
    ymax = _nice_max(max((w.total_new + w.total_returning for w in weeks), default=0))
    plot_h = height - bottom - top
    bar_w = (width - left - 10) / n
    body: list[str] = []
    _grid(body, left, width, top, plot_h, ymax)
    for i, w in enumerate(weeks):
        x = left + i * bar_w
        parts = [
            (w.total_new, NEW_COLOUR, f"{escape(w.week)} new"),
            (w.total_returning, RETURNING_COLOUR, f"{escape(w.week)} returning"),
        ]
        _stack(body, x, top + plot_h, bar_w, 2, plot_h, ymax, parts)
        _x_label(body, i, n, x, bar_w, height - bottom + 14, escape(w.week.split("-")[1]))
    for j, (label, colour) in enumerate((("new", NEW_COLOUR), ("returning", RETURNING_COLOUR))):
        body.append(f'<rect x="{left + j * 110}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{left + j * 110 + 14}" y="{height - 5}" font-size="11">{label}</text>')
    return _svg(width, height, body, "New and returning citizens per week")


CAMPAIGN_BARS = (
    ("senders", "#2b6cb0"),
    ("first-time", "#3182ce"),
    ("said yes", "#38a169"),
    ("back after 7 days", "#805ad5"),
    ("back after 30 days", "#b794f4"),
    ("subscribed", "#d69e2e"),
    ("opted out", "#c53030"),
)


def plot_campaigns(report: Report) -> str:
    """One group of horizontal bars per campaign: senders, first-time, yes, back after 7 and 30 days,
    subscribed, opted out (on one scale, so a campaign's bars compare with its senders)."""
    width, left, bar_h, gap = 720, 170, 11, 14
    rows = len(CAMPAIGN_BARS)
    height = max(40, len(report.campaigns) * (rows * bar_h + gap) + 30)
    top = max((c.senders for c in report.campaigns), default=0)
    scale = (width - left - 60) / top if top else 0
    body: list[str] = []
    if not report.campaigns:
        body.append('<text x="0" y="24" font-size="12">No one has texted a campaign keyword yet.</text>')
    y = 0.0
    for c in report.campaigns:
        values = (
            c.senders,
            c.first_time,
            c.consented,
            c.returned_7,
            c.returned_30,
            c.subscribed,
            c.opted_out,
        )
        body.append(
            f'<text x="0" y="{y + bar_h * rows / 2 + 4:.1f}" font-size="12" font-weight="bold">'
            f"{escape(c.campaign)}</text>"
        )
        for (label, colour), value in zip(CAMPAIGN_BARS, values, strict=True):
            w = value * scale
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{escape(c.campaign)} {label}: {value}</title></rect>"
            )
            body.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3:.1f}" font-size="9">{value}</text>')
            y += bar_h
        y += gap
    legend_x = 0
    for label, colour in CAMPAIGN_BARS:
        body.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{legend_x + 13}" y="{height - 5}" font-size="10">{label}</text>')
        legend_x += 14 + 6 * len(label) + 10
    return _svg(width, height, body, "Campaigns: senders and what came of them")
