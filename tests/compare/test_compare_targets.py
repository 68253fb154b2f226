"""The two sides of a comparison (`compare.targets`): what BASELINE and CANDIDATE may be,
and where each side's credentials come from."""

from __future__ import annotations

import pytest

from newapi_contract.compare.targets import EMBEDDED_LIMITS, parse_target, side_settings
from newapi_contract.errors import UsageError


def test_embedded_generations_and_faults() -> None:
    spec = parse_target("embedded:current:delete-noop,slow-delete", "candidate")
    assert (spec.embedded, spec.generation, spec.faults) == (True, "current", ("delete-noop", "slow-delete"))
    assert parse_target("embedded:legacy", "baseline").faults == ()
    assert parse_target("https://prod.example.com/", "baseline").base_url == "https://prod.example.com"


@pytest.mark.parametrize("text", ["embedded:", "embedded:future", "prod.example.com", "ftp://x", ""])
def test_anything_else_is_a_usage_error_naming_the_side(text: str) -> None:
    with pytest.raises(UsageError, match="candidate"):
        parse_target(text, "candidate")


def test_an_unknown_fault_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown fault"):
        side_settings(parse_target("embedded:current:no-such-fault", "candidate"), "candidate", {})


def test_embedded_sides_limit_search_but_not_the_ip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://staging.example.com")
    settings = side_settings(parse_target("embedded:legacy", "baseline"), "baseline", {})
    assert settings.base_url is None  # NEWAPI_BASE_URL never makes an embedded side remote
    assert settings.embedded_generation == "legacy"
    assert settings.embedded_rate_limits and settings.embedded_limit == EMBEDDED_LIMITS


def test_each_side_takes_its_own_credentials_or_the_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCESS_TOKEN", "USER_ID", "PEER_ACCESS_TOKEN", "PEER_USER_ID"):
        monkeypatch.delenv(f"NEWAPI_{name}", raising=False)
    monkeypatch.setenv("NEWAPI_ACCESS_TOKEN", "plain-token-0123456789abcdef")
    monkeypatch.setenv("NEWAPI_USER_ID", "7")
    monkeypatch.setenv("NEWAPI_CANDIDATE_ACCESS_TOKEN", "candidate-token-0123456789ab")
    monkeypatch.setenv("NEWAPI_CANDIDATE_USER_ID", "9")
    baseline = side_settings(parse_target("https://prod.example.com", "baseline"), "baseline", {})
    candidate = side_settings(parse_target("https://rc.example.com", "candidate"), "candidate", {})
    assert baseline.owner is not None and baseline.owner.user_id == 7
    assert candidate.owner is not None and candidate.owner.user_id == 9
    assert candidate.owner.access_token.startswith("candidate-")


def test_a_side_never_mixes_its_variables_with_the_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWAPI_USER_ID", "7")
    monkeypatch.setenv("NEWAPI_BASELINE_ACCESS_TOKEN", "baseline-token-0123456789ab")
    with pytest.raises(
        UsageError, match=r"baseline https://prod\.example\.com: NEWAPI_BASELINE_USER_ID is missing"
    ):
        side_settings(parse_target("https://prod.example.com", "baseline"), "baseline", {})
