"""Redaction: registered secrets and secret shapes never survive."""

from __future__ import annotations

import base64
import logging
from urllib.parse import quote

import pytest

from newapi_contract.client.redaction import REDACTED, RedactingFilter, Redactor, install_log_filter
from newapi_contract.errors import UsageError

ACCESS = "q8+Zk/3mPq0v9Rr1Lm2Nn3Oo4Pp5Qq6="  # base64, like upstream's access tokens
KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijkl"  # 48 alnum
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl-_x"


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor()
    r.add_secret(ACCESS, "$NEWAPI_ACCESS_TOKEN")
    return r


@pytest.mark.parametrize(
    "form",
    [ACCESS, quote(ACCESS, safe=""), "q8%2bZk%2f3mPq0v9Rr1Lm2Nn3Oo4Pp5Qq6%3d"],
)
def test_registered_secret_in_its_forms(redactor: Redactor, form: str) -> None:
    out = redactor.text(f"url?access={form}&x=1")
    assert ACCESS not in out and form not in out
    assert "$NEWAPI_ACCESS_TOKEN" in out


def test_base64_form_of_a_registered_secret(redactor: Redactor) -> None:
    encoded = base64.b64encode(ACCESS.encode()).decode()
    assert encoded not in redactor.text(f"Basic {encoded}")


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (f"Authorization: Bearer sk-{KEY}", KEY),
        (f"key={KEY}&p=1", KEY),
        (f'{{"data":{{"key":"{KEY}"}}}}', KEY),
        (f"token {JWT} expired", JWT),
        ("Set-Cookie: session=MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFB; Path=/", "MTcwMDAwMDAwMHxE"),
        ('{"username":"root","password":"hunter2hunter2"}', "hunter2hunter2"),
        ('{"access_token": "opaque value"}', "opaque value"),
    ],
)
def test_secret_shapes(redactor: Redactor, text: str, gone: str) -> None:
    out = redactor.text(text)
    assert gone not in out and REDACTED in out
    assert redactor.text(out) == out  # idempotent


def test_shapes_leave_ordinary_text_alone(redactor: Redactor) -> None:
    text = 'id 或 userId 为空！ {"success":false,"key":"sk-ab**********yz"} ' + "x" * 49
    assert redactor.text(text) == text


def test_headers(redactor: Redactor) -> None:
    out = redactor.headers(
        {
            "Authorization": f"Bearer {ACCESS}",
            "x-api-key": f"sk-{KEY}",
            "Cookie": "session=abc",
            "mj-api-secret": "anything",
            "X-Goog-Api-Key": "whatever",
            "New-Api-User": "2",
            "Location": f"/v1/models?key={KEY}",
        }
    )
    assert out == {
        "Authorization": "Bearer $NEWAPI_ACCESS_TOKEN",
        "x-api-key": f"sk-{REDACTED}",  # the spelling stays, so a curl line sends what was sent
        "Cookie": REDACTED,
        "mj-api-secret": REDACTED,
        "X-Goog-Api-Key": REDACTED,
        "New-Api-User": "2",
        "Location": f"/v1/models?key={REDACTED}",
    }


def test_a_key_keeps_a_short_wrapper_and_nothing_longer(redactor: Redactor) -> None:
    suffixed = redactor.headers({"Authorization": f"Bearer sk-{KEY}-1"})
    assert suffixed == {"Authorization": f"Bearer sk-{REDACTED}-1"}
    # More than a short wrapper around the key: nothing of it is shown.
    assert redactor.headers({"x-api-key": f"sk-{KEY}-with-a-long-tail"}) == {"x-api-key": REDACTED}
    assert redactor.headers({"mj-api-secret": "not-a-key-shape-at-all"}) == {"mj-api-secret": REDACTED}


def test_raw_authorization_and_unknown_bearer(redactor: Redactor) -> None:
    assert redactor.headers({"authorization": ACCESS}) == {"authorization": "$NEWAPI_ACCESS_TOKEN"}
    assert redactor.headers({"authorization": "bearer  unknown"}) == {"authorization": f"bearer {REDACTED}"}
    assert redactor.headers({"authorization": "sk-abc def"}) == {"authorization": REDACTED}


def test_default_placeholder_keeps_a_specific_one(redactor: Redactor) -> None:
    redactor.add_secret(ACCESS)
    assert redactor.placeholder(ACCESS) == "$NEWAPI_ACCESS_TOKEN"
    redactor.add_secret(ACCESS, "$NEWAPI_PEER_ACCESS_TOKEN")
    assert redactor.placeholder(ACCESS) == "$NEWAPI_PEER_ACCESS_TOKEN"


def test_longer_secret_replaced_whole(redactor: Redactor) -> None:
    redactor.add_secret("abcdefgh")
    redactor.add_secret("abcdefgh-and-more", "$NEWAPI_LONG")
    assert redactor.text("x abcdefgh-and-more y abcdefgh") == f"x $NEWAPI_LONG y {REDACTED}"


def test_too_short_secrets_are_refused() -> None:
    with pytest.raises(UsageError):
        Redactor().add_secret("short")


def test_json_redacts_values_and_secret_fields(redactor: Redactor) -> None:
    obj = {"data": {"key": KEY, "items": [ACCESS, 5, None]}, "password": "x", "ok": True}
    assert redactor.json(obj) == {
        "data": {"key": REDACTED, "items": ["$NEWAPI_ACCESS_TOKEN", 5, None]},
        "password": REDACTED,
        "ok": True,
    }


def test_learns_the_access_token_an_answer_hands_out(redactor: Redactor) -> None:
    fresh = "Zm9vYmFyYmF6cXV4cXV1eHF1dXo="
    answer = f'{{"success":true,"message":"","data":"{fresh}"}}'.encode()
    redactor.learn("GET", "/api/status", answer)
    redactor.learn("GET", "/api/user/token", b"not json")
    redactor.learn("GET", "/api/user/token", b"[1]")
    assert fresh in redactor.text(fresh)
    redactor.learn("GET", "/api/user/token", answer)
    assert redactor.text(fresh) == REDACTED


def test_logging_filter(redactor: Redactor, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(redactor))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info('HTTP Request: %s %s "%s"', "GET", f"http://h/v1/models?key={KEY}", "200 OK")
    assert KEY not in caplog.text and f"key={REDACTED}" in caplog.text


def test_install_log_filter_once(redactor: Redactor) -> None:
    name = "test.redaction.install"
    logging.getLogger(name).filters.clear()  # the logger outlives the test (mutmut reruns it)
    install_log_filter(redactor, [name])
    install_log_filter(redactor, [name])
    assert len(logging.getLogger(name).filters) == 1


def test_a_too_short_secret_is_refused_with_the_reason() -> None:
    with pytest.raises(UsageError, match="a secret shorter than 8 characters cannot be redacted"):
        Redactor().add_secret("1234567")


def test_the_unpadded_base64_form_of_a_registered_secret(redactor: Redactor) -> None:
    encoded = base64.b64encode(ACCESS.encode()).decode()
    assert encoded.endswith("=")
    assert redactor.text(f"Basic {encoded.rstrip('=')}!") == "Basic $NEWAPI_ACCESS_TOKEN!"


def test_only_the_forms_of_a_secret_are_redacted_not_their_prefixes() -> None:
    r = Redactor()
    r.add_secret("secret-valueaaW", "$S")  # base64 c2VjcmV0LXZhbHVlYWFX, no padding
    assert r.text("c2VjcmV0LXZhbHVlYWFX") == "$S"
    assert r.text("c2VjcmV0LXZhbHVlYWF ") == "c2VjcmV0LXZhbHVlYWF "


def test_headers_given_as_pairs(redactor: Redactor) -> None:
    pairs = [("Authorization", f"Bearer {ACCESS}"), ("Accept", "application/json")]
    assert redactor.headers(pairs) == {
        "Authorization": "Bearer $NEWAPI_ACCESS_TOKEN",
        "Accept": "application/json",
    }


def test_a_basic_credential_keeps_its_scheme_word(redactor: Redactor) -> None:
    assert redactor.headers({"Authorization": "Basic dXNlcjpwYXNz"}) == {"Authorization": f"Basic {REDACTED}"}


def test_learning_from_an_answer_without_a_usable_secret_registers_nothing() -> None:
    r = Redactor()
    for body in (None, b"", b'{"data": null}', b'{"data": 12345678}', b'{"data": "1234567"}'):
        r.learn("GET", "/api/user/token", body)
    assert r.text("1234567 12345678") == "1234567 12345678"
    r.learn("get", "/api/user/token", b'{"data": "abcdefgh"}')  # exactly the shortest secret
    assert r.text("x abcdefgh") == f"x {REDACTED}"


def test_install_log_filter_puts_one_filter_per_redactor(redactor: Redactor) -> None:
    name = "test.redaction.per-redactor"
    logger = logging.getLogger(name)
    logger.filters.clear()
    logger.addFilter(logging.Filter("other"))
    other = Redactor()
    install_log_filter(redactor, [name])
    install_log_filter(other, [name])
    mine = [f for f in logger.filters if isinstance(f, RedactingFilter)]
    assert [f.redactor for f in mine] == [redactor, other]
    logger.filters.clear()


def test_a_password_of_eight_characters_is_redacted_everywhere() -> None:
    r = Redactor()
    r.add_password("pa55word")
    assert r.short_passwords == 0
    assert r.text("login pa55word ok") == f"login {REDACTED} ok"
    assert r.placeholder("pa55word") == REDACTED


def test_a_shorter_password_is_only_counted_never_redacted_in_text() -> None:
    r = Redactor()
    r.add_password("1234567")
    assert r.short_passwords == 1
    assert r.text("ids 1234567 and 123456") == "ids 1234567 and 123456"
    assert r.placeholder("1234567") is None
    r.add_password("123456")
    assert r.short_passwords == 2
    r.add_password("long-enough")
    assert r.short_passwords == 2
