"""ILS notices: validation naming the field, POST /api/ils/notices (bearer token, idempotent, all or nothing), and
`bibliobot notices import FILE` (CSV or JSON, streamed, good rows kept, bad ones listed with their line)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from bot import storage
from bot.cli import main
from bot.services import notices
from bot.storage import Store
from tests.conftest import FIXTURE_KNOWLEDGE, database_env, database_url
from tests.outboxkit import KAREN

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

TOKEN = "ils-secret-token"
GOOD: dict[str, Any] = {
    "id": "H-1001",
    "type": "hold_ready",
    "phone": "20 12 34 56",
    "title": "Kongens Fald",
    "branch": "vesterbro",
    "pickup_deadline": "2026-11-28",
}


# -- validation ---------------------------------------------------------------------------------------------------


def test_a_good_notice_is_normalised() -> None:
    notice = notices.validate(GOOD, "DK", {"vesterbro"})
    assert (notice.phone, notice.deadline, notice.record, notice.status) == (
        KAREN,
        "2026-11-28",
        "H-1001",
        "open",
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id": ""}, "id"),
        ({"id": "H 1"}, "id"),
        ({"type": "hold_lost"}, "type"),
        ({"phone": "not a number"}, "phone"),
        ({"phone": None}, "phone"),
        ({"title": ""}, "title"),
        ({"branch": "atlantis"}, "branch"),
        ({"pickup_deadline": "28/11/2026"}, "pickup_deadline"),
        ({"pickup_deadline": "2026-11-28T12:00:00"}, "pickup_deadline"),
        ({"pickup_deadline": None, "due_date": "2026-11-28"}, "pickup_deadline"),
        ({"status": "lost"}, "status"),
        ({"language": "sv"}, "language"),
        ({"colour": "red"}, "colour"),
        ({"title": 42}, "title"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_a_bad_notice_names_its_field(change: dict[str, Any], field: str) -> None:
    raw = {**GOOD, **change}
    with pytest.raises(notices.NoticeError) as caught:
        notices.validate(raw, "DK", {"vesterbro"})
    assert caught.value.field == field


def test_loans_need_a_due_date() -> None:
    loan = {"id": "L-1", "type": "loan_due", "phone": KAREN, "title": "Bog", "due_date": "2026-12-03"}
    assert notices.validate(loan).deadline == "2026-12-03"
    with pytest.raises(notices.NoticeError) as caught:
        notices.validate({**loan, "due_date": ""})
    assert caught.value.field == "due_date"


# -- streamed reading ----------------------------------------------------------------------------------------------


def test_json_lists_and_json_lines_are_read_one_object_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notices, "_CHUNK", 5)  # objects and numbers cut across reads
    text = '[\n  {"id": "a", "n": 123456789},\n  {"id": "b"}\n]\n'
    assert [(i.line, i.raw["id"]) for i in notices.read_json(io.StringIO(text))] == [(2, "a"), (3, "b")]
    lines = '{"id": "a"}\n\n{"id": "b"}\n'
    assert [(i.line, i.raw["id"]) for i in notices.read_json(io.StringIO(lines))] == [(1, "a"), (3, "b")]
    with pytest.raises(notices.FormatError) as caught:
        list(notices.read_json(io.StringIO('[{"id": "a"},\n{"id" "b"}]')))
    assert caught.value.line == 2


def test_csv_rows_carry_their_line_numbers() -> None:
    text = 'id,type,phone\n1,hold_ready,20123456\n"2\nwith a break",loan_due,x\n3,a,b,extra\n'
    items = list(notices.read_csv(io.StringIO(text)))
    assert [(i.line, i.error) for i in items] == [
        (2, None),
        (3, None),
        (5, "more columns than the header names"),
    ]


# -- POST /api/ils/notices -----------------------------------------------------------------------------------------


@pytest.fixture
def service_env() -> dict[str, str]:
    """The ILS's token is set in this module's config (so for `client` too)."""
    return {"BIBLIOBOT_ILS_TOKEN": TOKEN}


def post(client: FlaskClient, body: Any, token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/ils/notices", data=json.dumps(body), headers=headers, content_type="application/json"
    )


def test_notices_need_the_bearer_token(client: FlaskClient) -> None:
    assert post(client, [GOOD], token=None).status_code == 401
    refused = post(client, [GOOD], token="guess")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("service_env", [{}], ids=["no-token"])
def test_without_a_configured_token_the_api_is_off(client: FlaskClient) -> None:
    assert post(client, [GOOD]).status_code == 503


def test_a_batch_is_stored_once_and_plans_its_reminders(client: FlaskClient, store: Store) -> None:
    first = post(client, [GOOD, {**GOOD, "id": "H-1002", "title": "Lykke-Per"}])
    assert first.status_code == 200 and first.get_json() == {"imported": 2, "updated": 0, "unchanged": 0}
    again = post(client, [GOOD])
    assert again.get_json() == {"imported": 0, "updated": 0, "unchanged": 1}
    keys = {r["dedupe_key"] for r in storage.outbox_rows(store, ("pending",), 10)}
    assert keys == {
        "hold-ready:H-1001",
        "hold-ready:H-1002",
        "hold-expiring:H-1001:2026-11-28",
        "hold-expiring:H-1002:2026-11-28",
    }
    ready = storage.outbox_row(store, "hold-ready:H-1001")
    assert ready is not None and ready["sender"] == KAREN
    assert '"Kongens Fald" er klar til afhentning på Vesterbro Bibliotek senest 28/11.' in ready["body"]


def test_a_bad_notice_rejects_the_batch_and_names_the_field(client: FlaskClient, store: Store) -> None:
    answer = post(client, [GOOD, {**GOOD, "id": "H-2", "phone": "12"}, {**GOOD, "id": "H-3", "type": "x"}])
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["field"] == "phone" and "phone" in body["error"]
    assert [(e["index"], e["id"], e["field"]) for e in body["errors"]] == [
        (1, "H-2", "phone"),
        (2, "H-3", "type"),
    ]
    assert storage.get_notice(store, "H-1001") is None  # all or nothing


@pytest.mark.parametrize(
    "body, status",
    [("{not json", 400), ('{"id": "H-1"}', 422), ("[1, 2]", 422)],
    ids=["broken JSON", "an object, not a list", "not objects"],
)
def test_a_malformed_body_is_a_4xx(client: FlaskClient, body: str, status: int) -> None:
    answer = client.post(
        "/api/ils/notices",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        content_type="application/json",
    )
    assert answer.status_code == status and answer.get_json()["field"]


def test_a_repeated_id_in_one_batch_is_refused(client: FlaskClient) -> None:
    answer = post(client, [GOOD, {**GOOD, "title": "Other"}])
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "id"


def test_a_batch_larger_than_a_webhook_is_accepted(client: FlaskClient) -> None:
    batch = [{**GOOD, "id": f"H-{i}", "title": "En lang titel " * 5} for i in range(800)]
    assert len(json.dumps(batch)) > 65536
    assert post(client, batch).get_json()["imported"] == 800


# -- bibliobot notices import ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, _backend: str) -> dict[str, str]:
    return {
        **database_env(tmp_path / "cli.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
    }


def test_a_csv_export_keeps_the_good_rows_and_lists_the_bad(tmp_path: Path, cli_env: dict[str, str]) -> None:
    export = tmp_path / "notices.csv"
    export.write_text(
        "id,type,phone,title,branch,pickup_deadline,due_date,status,record,language\n"
        "H-1,hold_ready,20123456,Kongens Fald,vesterbro,2026-11-28,,,,\n"
        "L-1,loan_due,+4530123456,Lykke-Per,,,2026-12-03,,,en\n"
        "H-2,hold_ready,123,Bog,vesterbro,2026-11-28,,,,\n"
        "H-3,hold_ready,20123456,Bog,vesterbro,,,,,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["notices", "import", str(export)], env=cli_env)
    assert result.exit_code == 1
    assert "imported: 2, updated: 0, unchanged: 0, rejected: 2" in result.output
    assert f"{export}:4: phone: not a phone number" in result.output
    assert f"{export}:5: pickup_deadline: is required" in result.output
    again = CliRunner().invoke(main, ["notices", "import", str(export)], env=cli_env)
    assert "imported: 0, updated: 0, unchanged: 2, rejected: 2" in again.output
    store = Store(database_url(tmp_path / "cli.sqlite3"))
    assert storage.get_notice(store, "L-1") is not None and storage.get_notice(store, "H-2") is None
    store.close()


def test_a_csv_export_without_an_id_column_is_refused_with_its_header(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # mypy found this: the header check built FormatError with one argument of two, so the import ended in a
    # TypeError instead of naming the missing field.
    export = tmp_path / "notices.csv"
    export.write_text("ref,type,phone\nH-1,hold_ready,20123456\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["notices", "import", str(export)], env=cli_env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "imported: 0" in result.output
    assert f"{export}:1: the header must name the fields" in result.output
    assert "got ref, type, phone; the file was not read past this point" in result.output


def test_a_json_export_that_breaks_off_keeps_what_came_before(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    export = tmp_path / "notices.json"
    export.write_text(json.dumps([GOOD], indent=2)[:-1] + ',\n  {"id": "H-9", "type"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["notices", "import", str(export)], env=cli_env)
    assert result.exit_code == 1
    assert "imported: 1" in result.output and "the file was not read past this point" in result.output


def test_a_json_export_imports(tmp_path: Path, cli_env: dict[str, str]) -> None:
    export = tmp_path / "notices.json"
    export.write_text(json.dumps([GOOD, {**GOOD, "id": "H-2"}]), encoding="utf-8")
    result = CliRunner().invoke(main, ["notices", "import", str(export)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "imported: 2" in result.output
