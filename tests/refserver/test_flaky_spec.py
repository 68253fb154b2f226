"""The flaky network's spec: its parser (one-line usage errors) and which request gets
which fault (seeded per request number), without sockets."""

from __future__ import annotations

from collections import Counter

import pytest

from newapi_contract.errors import UsageError
from newapi_contract.refserver.flaky_spec import KINDS, FlakySpec, parse_network, parse_spec


def test_defaults_are_four_percent_of_every_kind_with_a_seed_drawn_and_shown():
    spec = parse_spec("flaky")
    assert (spec.rate, spec.kinds, spec.latency, spec.redeploy, spec.hold) == (0.04, KINDS, 2.0, 4.0, 20.0)
    assert f"seed={spec.seed}," in spec.describe()


@pytest.mark.parametrize(
    "text", ["flaky:seed=7,rate=0.1,kinds=reset+lost", "seed=7, rate=0.1, kinds=reset+lost"]
)
def test_keys_with_or_without_the_prefix(text):
    assert parse_spec(text) == FlakySpec(seed=7, rate=0.1, kinds=("reset", "lost"))


def test_every_key():
    spec = parse_spec("flaky:seed=3,rate=1,kinds=all,latency=0.5,redeploy=2,hold=30")
    assert spec == FlakySpec(seed=3, rate=1.0, kinds=KINDS, latency=0.5, redeploy=2.0, hold=30.0)


def test_describe_reads_back_as_the_same_spec():
    spec = FlakySpec(seed=11, rate=0.25, kinds=("timeout", "bad-gateway"), latency=1.5, redeploy=3, hold=7)
    assert parse_spec(spec.describe()) == spec


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("flaky:rate=2", "rate must be between 0 and 1"),
        ("flaky:rate=-0.1", "rate must be between 0 and 1"),
        ("flaky:rate=lots", "rate 'lots' is not a number"),
        ("flaky:rate=nan", "is not a number"),
        ("flaky:kinds=reset+flood", "unknown kind 'flood'"),
        ("flaky:seed=-1", "seed '-1' is not a whole number"),
        ("flaky:seed=1.5", "seed '1.5' is not a whole number"),
        ("flaky:speed=3", "expected key=value with a key among seed, rate"),
        ("flaky:rate", "expected key=value"),
        ("flaky:seed=1,seed=2", "seed is given twice"),
        ("flaky:latency=0", "latency must be more than 0"),
        ("flaky:hold=99999", "hold must be more than 0 and at most 3600"),
    ],
)
def test_bad_specs_are_one_line_usage_errors(text, says):
    with pytest.raises(UsageError) as raised:
        parse_spec(text)
    message = str(raised.value)
    assert says in message and message.startswith(f"flaky network {text!r}: ") and "\n" not in message


@pytest.mark.parametrize("text", [None, "", "direct", " direct "])
def test_network_direct_is_no_proxy(text):
    assert parse_network(text) is None


def test_network_flaky_is_a_spec():
    assert parse_network("flaky:seed=5,kinds=latency") == FlakySpec(seed=5, kinds=("latency",))


@pytest.mark.parametrize("text", ["chaos", "flakyx", "seed=1"])
def test_network_other_words_are_usage_errors(text):
    with pytest.raises(UsageError, match="expected direct or flaky"):
        parse_network(text)


# -- which request gets which fault --------------------------------------------------------
def plans(spec: FlakySpec, count: int = 10_000) -> list:
    return [spec.plan(index) for index in range(count)]


def test_same_seed_same_faults_for_each_request_number():
    assert plans(FlakySpec(seed=42)) == plans(FlakySpec(seed=42))
    assert plans(FlakySpec(seed=42)) != plans(FlakySpec(seed=43))
    # A request's fate does not depend on the requests before it.
    assert FlakySpec(seed=42).plan(5000) == plans(FlakySpec(seed=42))[5000]


def test_the_rate_is_the_share_of_requests_hit():
    hits = [plan for plan in plans(FlakySpec(seed=1, rate=0.04)) if plan is not None]
    assert 300 <= len(hits) <= 500  # 4 % of 10,000, give or take sampling
    assert set(Counter(plan.kind for plan in hits)) == set(KINDS)
    assert not any(plans(FlakySpec(seed=1, rate=0), 1000))
    assert all(plans(FlakySpec(seed=1, rate=1), 1000))


def test_only_the_kinds_asked_for():
    hits = [plan for plan in plans(FlakySpec(seed=9, rate=0.5, kinds=("reset", "latency"))) if plan]
    assert {plan.kind for plan in hits} == {"reset", "latency"}


def test_who_sees_the_request():
    hits = [plan for plan in plans(FlakySpec(seed=2, rate=1), 3000) if plan]
    seen = {(plan.kind, plan.forwarded, plan.reset) for plan in hits}
    assert seen == {
        ("reset", False, True),  # the server never sees it
        ("lost", True, True),  # the server acts; the answer is reset away...
        ("lost", True, False),  # ...or the connection closed without it
        ("bad-gateway", True, False),  # nginx's 502 after the server acted...
        ("bad-gateway", False, False),  # ...or without reaching it
        ("latency", True, False),
        ("redeploy", False, False),
        ("timeout", True, False),
    }
