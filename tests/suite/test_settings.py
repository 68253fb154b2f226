"""Run settings: options beat the environment, bad values are one-line usage errors."""

from __future__ import annotations

import pytest

from newapi_contract.errors import UsageError
from newapi_contract.suite.settings import REMOTE_DEFAULT_RATE, RunSettings


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
    ):
        monkeypatch.delenv(name, raising=False)


def test_no_base_url_means_embedded_and_unpaced():
    settings = RunSettings.from_values({})
    assert settings.base_url is None
    assert settings.rate is None
    assert settings.owner is None


def test_environment_gives_base_url_and_credentials(monkeypatch):
    monkeypatch.setenv("NEWAPI_BASE_URL", "http://staging.test:3000/")
    monkeypatch.setenv("NEWAPI_ACCESS_TOKEN", "tok")
    monkeypatch.setenv("NEWAPI_USER_ID", "7")
    settings = RunSettings.from_values({})
    assert settings.base_url == "http://staging.test:3000"
    assert settings.rate == REMOTE_DEFAULT_RATE
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
        ({"base_url": "http://staging.test/newapi/"}, "path prefix"),
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


def test_embedded_limit_is_checked_and_needs_the_limiters_on():
    values = {"newapi_embedded_rate_limits": "on", "newapi_embedded_limit": "global=180/180"}
    assert RunSettings.from_values(values).embedded_limit == "global=180/180"
    with pytest.raises(UsageError, match="--embedded-limit needs --embedded-rate-limits on"):
        RunSettings.from_values({"newapi_embedded_limit": "global=180/180"})
    with pytest.raises(UsageError, match="expected N/SECONDS"):
        RunSettings.from_values({**values, "newapi_embedded_limit": "global=fast"})
