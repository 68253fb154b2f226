"""Run settings: options beat the environment, bad values are one-line usage errors."""

from __future__ import annotations

import re

import pytest

from newapi_contract.errors import UsageError
from newapi_contract.refserver.flaky_spec import FlakySpec
from newapi_contract.run.settings import WAIT_BUDGET_S, RunSettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in (
        "NEWAPI_BASE_URL",
        "NEWAPI_ACCESS_TOKEN",
        "NEWAPI_USER_ID",
        "NEWAPI_PEER_ACCESS_TOKEN",
        "NEWAPI_PEER_USER_ID",
        "NEWAPI_RATE",
        "NEWAPI_PROFILE",
        "PYTEST_BASE_URL",
        "NEWAPI_EMBEDDED_NETWORK",
    ):
        monkeypatch.delenv(name, raising=False)


def test_no_base_url_means_embedded_and_unpaced():
    settings = RunSettings.from_values({})
    assert settings.base_url is None
    assert settings.rate is None
    assert settings.owner is None


def test_environment_gives_base_url_and_credentials(monkeypatch):
    monkeypatch.setenv("NEWAPI_BASE_URL", "http://staging.test:3000/")
    monkeypatch.setenv("NEWAPI_ACCESS_TOKEN", "tok-env-secret")
    monkeypatch.setenv("NEWAPI_USER_ID", "7")
    settings = RunSettings.from_values({})
    assert settings.base_url == "http://staging.test:3000"
    assert settings.rate is None  # no fixed rate: the server's limits are learned
    assert settings.max_wait == WAIT_BUDGET_S["quick"]
    assert settings.owner is not None and settings.owner.user_id == 7
    assert "tok" not in repr(settings) and "tok" not in repr(settings.owner)


def test_option_beats_environment(monkeypatch):
    monkeypatch.setenv("NEWAPI_BASE_URL", "http://env.test")
    monkeypatch.setenv("NEWAPI_PROFILE", "thorough")
    settings = RunSettings.from_values({"base_url": "http://option.test", "newapi_profile": "quick"})
    assert (settings.base_url, settings.profile) == ("http://option.test", "quick")


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"base_url": "staging.test"}, "http://"),
        ({"base_url": "http://staging.test/newapi/?x=1"}, "no query or fragment"),
        ({"newapi_access_token": "tok"}, "NEWAPI_USER_ID is missing"),
        ({"newapi_user_id": "7"}, "NEWAPI_ACCESS_TOKEN is missing"),
        ({"newapi_access_token": "tok", "newapi_user_id": "seven"}, "positive integer"),
        ({"newapi_rate": -1.0}, "--rate"),
        ({"newapi_profile": "huge"}, "--profile"),
        ({"newapi_generation": "ancient"}, "--server-generation"),
    ],
)
def test_bad_values_are_usage_errors(values, fragment):
    with pytest.raises(UsageError, match=fragment):
        RunSettings.from_values(values)


def test_waiting_budget_follows_the_profile_unless_given():
    assert RunSettings.from_values({"newapi_profile": "thorough"}).max_wait == WAIT_BUDGET_S["thorough"]
    assert RunSettings.from_values({"newapi_max_wait": 0.0}).max_wait == 0.0


@pytest.mark.parametrize("dest", ["newapi_max_wait", "newapi_network_patience"])
def test_negative_waits_are_usage_errors(dest):
    with pytest.raises(UsageError):
        RunSettings.from_values({dest: -1.0})


def test_embedded_network_is_direct_unless_asked(monkeypatch):
    assert RunSettings.from_values({}).embedded_network is None
    settings = RunSettings.from_values({"newapi_embedded_network": "flaky:seed=3,rate=0.2,kinds=lost"})
    assert settings.embedded_network == FlakySpec(seed=3, rate=0.2, kinds=("lost",))
    monkeypatch.setenv("NEWAPI_EMBEDDED_NETWORK", "flaky:seed=4")
    assert RunSettings.from_values({}).embedded_network == FlakySpec(seed=4)


@pytest.mark.parametrize(("text", "seconds"), [("2s", 2.0), ("500ms", 0.5), ("1.5", 1.5), ("0", 0.0)])
def test_durations(text, seconds):
    assert RunSettings.from_values({"newapi_revocation_bound": text}).revocation_bound_s == seconds


def test_revocation_bound_defaults_to_two_seconds_and_budgets_to_none():
    settings = RunSettings.from_values({})
    assert settings.revocation_bound_s == 2.0 and settings.latency_budgets == ()
    assert settings.embedded_token_cache is False


def test_latency_budgets_parse_per_operation():
    settings = RunSettings.from_values(
        {"newapi_latency_budget": "delete=500ms, relay=1s", "newapi_token_cache": "on"}
    )
    assert dict(settings.latency_budgets) == {"delete": 0.5, "relay": 1.0}
    assert settings.embedded_token_cache is True


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"newapi_embedded_network": "flaky:rate=3"}, "rate must be between 0 and 1"),
        ({"newapi_embedded_network": "wobbly"}, "expected direct or flaky"),
        (
            {"newapi_embedded_network": "flaky", "base_url": "http://staging.test"},
            "newapi-contract proxy --upstream http://staging.test",
        ),
    ],
)
def test_bad_embedded_network_is_a_usage_error(values, fragment):
    with pytest.raises(UsageError, match=re.escape(fragment)):
        RunSettings.from_values(values)


def test_embedded_limit_is_checked_and_needs_the_limiters_on():
    values = {"newapi_embedded_rate_limits": "on", "newapi_embedded_limit": "global=180/180"}
    assert RunSettings.from_values(values).embedded_limit == "global=180/180"
    with pytest.raises(UsageError, match="--embedded-limit needs --embedded-rate-limits on"):
        RunSettings.from_values({"newapi_embedded_limit": "global=180/180"})
    with pytest.raises(UsageError, match="expected N/SECONDS"):
        RunSettings.from_values({**values, "newapi_embedded_limit": "global=fast"})


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"newapi_revocation_bound": "soon"}, "--revocation-bound 'soon'"),
        ({"newapi_revocation_bound": "-1s"}, "--revocation-bound"),
        ({"newapi_latency_budget": "deletes=1s"}, "OPERATION one of create, list, delete, relay"),
        ({"newapi_latency_budget": "delete"}, "OPERATION=DURATION"),
        ({"newapi_latency_budget": "delete=fast"}, "--latency-budget delete="),
        ({"newapi_latency_budget": "delete=0ms"}, "more than 0"),
        ({"newapi_token_cache": "maybe"}, "--token-cache"),
    ],
)
def test_bad_durations_and_budgets_are_usage_errors(values, fragment):
    with pytest.raises(UsageError, match=fragment):
        RunSettings.from_values(values)
