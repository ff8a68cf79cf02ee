"""The SMS webhook's signature check (`bot.channels.sms.verify`) accepts exactly what twilio's
RequestValidator.validate accepts, and computes one HMAC for a genuine request instead of validate's two."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict

from bot.channels import sms
from tests.fakes.webhooks import DEV_TOKEN, sign, sms_form

URLS = [
    "http://127.0.0.1:5000/sms",
    "https://sms.bibliotek.example/sms",
    "https://sms.bibliotek.example:443/sms",
    "http://sms.bibliotek.example:80/sms/status?x=1",
    "https://sms.bibliotek.example:8443/sms",
]
FORM = ImmutableMultiDict(
    [*sms_form("hvornår åbner I", sid="SM1").items(), ("MediaUrl0", "b"), ("MediaUrl0", "a")]
)


def signatures(url: str) -> list[str]:
    """Signatures of the URL as given, with its port, without it, of another URL and of another token."""
    host = url.split("/")[2]
    bare = host.split(":")[0]
    default = "443" if url.startswith("https") else "80"
    signer = RequestValidator(DEV_TOKEN)
    forms = sorted({url, url.replace(host, bare), url.replace(host, f"{bare}:{default}")})
    return [
        *(signer.compute_signature(form, FORM) for form in forms),
        sign(url, dict(FORM)),  # one of the repeated fields left out
        signer.compute_signature(url.replace("/sms", "/other"), FORM),
        RequestValidator("another-token").compute_signature(url, FORM),
        "",
        "not base64",
    ]


@pytest.mark.parametrize("url", URLS)
def test_verify_accepts_what_the_sdk_accepts(url: str) -> None:
    validator = RequestValidator(DEV_TOKEN)
    verdicts = []
    for signature in signatures(url):
        verdicts.append(sms.verify(DEV_TOKEN, url, FORM, signature))
        assert verdicts[-1] == bool(signature and validator.validate(url, FORM, signature)), signature
    assert verdicts[0] and not any(verdicts[-5:])  # the URL as given is accepted, the wrong ones are not


def test_a_genuine_request_costs_one_hmac(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[str] = []
    real = RequestValidator.compute_signature

    def counted(self: RequestValidator, uri: str, params: object, algorithm: str | None = None) -> str:
        computed.append(uri)
        return str(real(self, uri, params, algorithm))

    monkeypatch.setattr(RequestValidator, "compute_signature", counted)
    url = "http://127.0.0.1:5000/sms"
    assert sms.verify(DEV_TOKEN, url, FORM, real(RequestValidator(DEV_TOKEN), url, FORM))
    assert computed == [url]
    computed.clear()
    assert not sms.verify(DEV_TOKEN, url, FORM, "forged=")
    assert len(computed) == 2  # a forged one is checked against both forms, as the SDK does
