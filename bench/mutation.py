"""Mutation score of the judging layer: `client/` and `contract/` under mutmut.

    .venv/bin/python bench/mutation.py            # a fresh mutmut run, then the score
    .venv/bin/python bench/mutation.py --results  # the score of the last run (mutants/)
    .venv/bin/python bench/mutation.py --rerun    # rerun only the mutants not killed last time
    .venv/bin/python bench/mutation.py --named    # only the mutants issue 12 names, each
                                                  # against the fast tests, in a copy

The configuration is pyproject's `[tool.mutmut]`: the whole of src/ is copied to mutants/,
only `client/` and `contract/` are mutated, and each mutant meets the fast unit tests that
reach its function (no subprocess runs, no servers but the in-process scripted ones).

The score counts a mutant killed when a test failed or it timed out; mutants judged
equivalent (`EQUIVALENT` below, each with the reason) leave the denominator. A name in
`EQUIVALENT` that is no survivor of the run is reported, so the list cannot go stale unseen.
Mutants not run (a run stopped early) count as not killed.
Exit 0 when the score reaches TARGET, 1 below it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.90
MUTMUT = Path(sys.executable).with_name("mutmut")

# mutmut's exit codes of a mutant's test run (mutmut/stats.py), folded into what a score needs.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
TIMEOUTS = {36, -24, 24, 152, 255}

# Survivors read and judged equivalent: no test can tell them apart from the original.
_A = "newapi_contract.client.api.xǁNewApiǁ"
_GUARD = "newapi_contract.client.guard."
_LIMITS = "newapi_contract.client.limits."
_PACING = "newapi_contract.client.pacing."
_RECORDING = "newapi_contract.client.recording."
_REDACTION = "newapi_contract.client.redaction."
_ADAPTER = "newapi_contract.client.requests_adapter."
_ROAD = "newapi_contract.client.road."
_LEDGER = "newapi_contract.client.ledger."
_IDS = "newapi_contract.client.ids."
_C = "newapi_contract.contract."
_CASE = "httpx upper-cases the method of every request"
_HEADER = "header names are case-insensitive (RFC 9110; Go canonicalises them)"
_CODEC = "'UTF-8' and 'utf-8' name the same codec"
_LATIN = "'LATIN-1' and 'latin-1' name the same codec"
_ASCII_FILE = "the ledger's file is pure ASCII (json.dump escapes the rest): any locale codec writes it alike"
_ONE_COLON = "limiter keys hold at most one colon (`search:<hex tag>`): the same first part"
EQUIVALENT: dict[str, str] = {
    # client/api.py
    **{
        f"{_A}{name}": _CASE
        for name in (
            "get_token__mutmut_6",
            "search_tokens__mutmut_8",
            "delete_token__mutmut_12",
            "batch_delete__mutmut_9",
            "reveal_key__mutmut_7",
            "_relay__mutmut_12",
            "self_info__mutmut_6",
            "reveal_keys__mutmut_9",
        )
    },
    **{
        f"{_A}{name}": _HEADER
        for name in (
            "relay_models__mutmut_11",
            "relay_models__mutmut_12",
            "relay_channel_pin__mutmut_9",
            "relay_channel_pin__mutmut_10",
            "relay_anthropic__mutmut_4",
            "relay_anthropic__mutmut_7",
            "relay_gemini__mutmut_30",
            "relay_websocket__mutmut_9",
            "relay_websocket__mutmut_10",
            "relay_midjourney__mutmut_4",
            "relay_midjourney__mutmut_7",
            "relay_midjourney__mutmut_8",
            "relay_midjourney__mutmut_12",
        )
    },
    f"{_A}relay_gemini__mutmut_18": "headers None and {} alike: `call` reads `headers or {}`",
    f"{_A}_relay__mutmut_5": "auth=None is falsy like auth=False: no credentials either way",
    # client/guard.py (the origin is read by client/origin.py since path prefixes came)
    f"{_GUARD}xǁGuardǁ_judge__mutmut_56": "the segment is read only on routes with {id}",
    f"{_GUARD}x__matches__mutmut_6": "zip's strict is moot: the lengths were compared first",
    f"{_GUARD}x__matches__mutmut_10": "the same: lengths already equal",
    f"{_GUARD}x__matches__mutmut_11": "the same: lengths already equal",
    f"{_GUARD}x__matches__mutmut_21": "a segment with a bad escape matches no literal "
    "route segment either way (non-GET requests with one are refused before)",
    f"{_GUARD}x__body_ids__mutmut_8": "b'XXXX' is no JSON, like b'': the same refusal",
    # client/ids.py
    f"{_IDS}x_go_unescape_path__mutmut_10": _CODEC,
    f"{_IDS}x_go_unescape_path__mutmut_24": _LATIN,
    f"{_IDS}x_go_unescape_path__mutmut_35": _LATIN,
    f"{_IDS}x_go_unescape_path__mutmut_54": _CODEC,
    f"{_IDS}x_encode_path_segment__mutmut_10": _CODEC,
    f"{_IDS}x_encode_path_segment__mutmut_5": "the added 'X' is ASCII alphanumeric, kept raw anyway",
    f"{_IDS}x__go_base_prefixed__mutmut_23": "without the 'o' key, get()'s default is 8 anyway",
    f"{_IDS}x__go_base_prefixed__mutmut_24": "the same: 'O' is never looked up after lower()",
    f"{_IDS}x__go_base_prefixed__mutmut_36": "the prefix letter, lower-cased, is never 'X': "
    "'in \"XXxboXX\"' tests what 'in \"xbo\"' does",
    f"{_IDS}x__go_base_prefixed__mutmut_44": "digits are empty only for a text Atoi reads as 0 "
    "already: 0 or None adds no new target",
    f"{_IDS}x_plausible_targets__mutmut_9": "MIN_INT64 on the other branch adds MIN_INT64 and "
    "its 64-bit wrap, itself: the same set",
    f"{_IDS}x_plausible_targets__mutmut_10": "the same for MAX_INT64",
    f"{_IDS}x_plausible_targets__mutmut_15": "beyond int64 a value is never 0: '>= 0' is '> 0'",
    f"{_IDS}x_plausible_targets__mutmut_16": "beyond int64 a value is never 1: '> 1' is '> 0'",
    f"{_IDS}x_plausible_targets__mutmut_24": "below 2**31 a 32-bit wrap is the value itself, "
    "already a target",
    f"{_IDS}x_confine__mutmut_20": "the first candidate is the segment, whose harmlessness "
    "matches: 'continue' can only skip the last one, like 'break'",
    # client/limits.py and client/pacing.py
    f"{_LIMITS}x__who__mutmut_18": _CODEC,
    f"{_LIMITS}x_bucket_of__mutmut_4": _ONE_COLON,
    f"{_LIMITS}x_bucket_of__mutmut_5": _ONE_COLON,
    f"{_LIMITS}x_bucket_of__mutmut_7": _ONE_COLON,
    f"{_PACING}xǁPacerǁ_acquire__mutmut_20": _ONE_COLON,
    f"{_PACING}xǁPacerǁsend__mutmut_27": "passed=None and passed=False: _release only asks `if passed`",
    f"{_PACING}xǁPacerǁ_acquire__mutmut_21": _ONE_COLON,
    f"{_PACING}xǁPacerǁ_acquire__mutmut_23": _ONE_COLON,
    # client/recording.py, redaction.py, requests_adapter.py, road.py
    f"{_RECORDING}x__body_text__mutmut_10": _CODEC,
    f"{_REDACTION}xǁRedactorǁadd_secret__mutmut_15": "quote() never escapes 'X': safe='XXXX' changes nothing",
    f"{_REDACTION}xǁRedactingFilterǁfilter__mutmut_3": "args '' and None are both falsy: "
    "getMessage formats neither",
    f"{_ADAPTER}x__body_bytes__mutmut_3": _CODEC,
    f"{_ADAPTER}xǁGuardedAdapterǁsend__mutmut_9": "the guard upper-cases the method",
    f"{_ADAPTER}xǁGuardedAdapterǁ_record__mutmut_33": "Exchange.capture upper-cases the method",
    f"{_ROAD}x_is_proxy_answer__mutmut_6": "b'XXXX' is no JSON, like b'': the same ValueError",
    f"{_RECORDING}xǁObservationǁ__init____mutmut_4": "`not None` is True, like `not False`",
    f"{_ADAPTER}xǁGuardedAdapterǁsend__mutmut_11": "no URL: a foreign origin either way",
    f"{_ADAPTER}xǁGuardedAdapterǁsend__mutmut_26": "a request without URL never passes the guard to get here",
    "newapi_contract.client.transport.x_build_client__mutmut_37": "httpx follows no redirect by default",
    # client/ledger.py
    f"{_LEDGER}xǁLedgerǁload__mutmut_5": _CODEC,
    f"{_LEDGER}xǁLedgerǁload__mutmut_3": "the locale's codec reads the ledger's pure-ASCII file "
    "as UTF-8 does (only a hand-made non-ASCII file could differ)",
    f"{_LEDGER}xǁLedgerǁ_save__mutmut_21": _ASCII_FILE,
    f"{_LEDGER}xǁLedgerǁ_save__mutmut_24": _ASCII_FILE,
    f"{_LEDGER}xǁLedgerǁ_save__mutmut_28": _CODEC,
    # contract/
    f"{_C}answers.x_assert_outcome__mutmut_10": "ensure_ascii=None is falsy like False",
    f"{_C}checks.x__settlement__mutmut_8": "json.loads(b'') raises ValueError, caught: None as before",
    f"{_C}checks.x__settlement__mutmut_10": "settle reads success from a dict only: '' and None alike",
    f"{_C}clauses.x__check_reliances__mutmut_16": "`done` only saves revisits; cycles are found by the path",
    f"{_C}generated_schema.x_load_generated_schema__mutmut_5": _CODEC,
    f"{_C}generated_schema.x_load_generated_schema__mutmut_49": "schemathesis upper-cases the method filter",
    f"{_C}revocation.x_watch__mutmut_28": "sleep(0) waits nothing",
    f"{_C}lifecycle_machine.xǁTokenLifecycleǁfor_world__mutmut_7": "only the name of the "
    "generated class, which labels hypothesis's output",
    f"{_C}lifecycle_machine.xǁTokenLifecycleǁfor_world__mutmut_8": "the same: a class name",
    f"{_C}lifecycle_machine.xǁTokenLifecycleǁfor_world__mutmut_9": "the same: a class name",
}

# The survivors issue 12 names, as (file, original, mutant, the fast tests that must kill it).
NAMED = (
    (
        "src/newapi_contract/contract/answers.py",
        "require(answer.status == 200, expected",
        "require(True, expected",
        "assert_outcome no longer requires HTTP 200",
        ["tests/contract/test_answers.py"],
    ),
    (
        "src/newapi_contract/client/ids.py",
        "return token_id <= 0 or token_id == MAX_INT64",
        "return token_id <= 0 or token_id >= MAX_INT64 - 1",
        "the guard's MaxInt64 comparison admits a neighbouring id",
        ["tests/client/test_guard.py", "tests/client/test_ids.py"],
    ),
    (
        "src/newapi_contract/client/redaction.py",
        "            s = s.replace(secret, shown)",
        "            pass",
        "registered secrets are no longer redacted",
        ["tests/client/test_redaction.py"],
    ),
    (
        "src/newapi_contract/apifox/operation_rules.py",
        '            param.spec["required"] = True',
        "            pass",
        "the converter no longer makes path parameters required",
        ["tests/apifox/test_apifox_rules.py"],
    ),
    (
        "src/newapi_contract/apifox/operation_rules.py",
        "if _NUMERIC.fullmatch(str(example)) else {}",
        "if example is not None else {}",
        "the converter keeps a New-Api-User example that is no user id",
        ["tests/apifox/test_apifox_rules.py"],
    ),
)


def _status(code: int | None) -> str:
    if code is None:
        return "not checked"
    if code in TIMEOUTS:
        return "killed"  # a mutant that hangs the tests is caught (mutmut: timeout)
    return STATUS.get(code, "suspicious")


def results(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Mutant name -> status, per mutated file, from mutmut's `.meta` files."""
    found: dict[str, dict[str, str]] = {}
    for meta in sorted((root / "mutants" / "src").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        if codes:
            name = str(meta.relative_to(root / "mutants" / "src")).removesuffix(".meta")
            found[name] = {key: _status(code) for key, code in codes.items()}
    return found


def score(found: dict[str, dict[str, str]]) -> int:
    total: Counter[str] = Counter()
    survivors: list[str] = []
    print(f"{'file':44} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'other':>6}")
    for name, statuses in found.items():
        counts = Counter(statuses.values())
        other = sum(n for s, n in counts.items() if s not in ("killed", "survived", "no tests"))
        print(
            f"{name:44} {len(statuses):7} {counts['killed']:7} {counts['survived']:8} "
            f"{counts['no tests']:8} {other:6}"
        )
        total.update(counts)
        survivors += [key for key, status in statuses.items() if status != "killed"]
    mutants = sum(total.values())
    equivalent = [key for key in survivors if key in EQUIVALENT]
    stale = sorted(set(EQUIVALENT) - set(survivors))  # gone from the run, or killed after all
    judged = mutants - len(equivalent)
    killed = total["killed"]
    print(
        f"\nmutants {mutants}: killed {killed}, survived {total['survived']}, no tests {total['no tests']}, "
        f"other {mutants - killed - total['survived'] - total['no tests']}; equivalent {len(equivalent)}"
    )
    raw = killed / mutants
    print(f"score: {killed} / {judged} = {killed / judged:.1%} (raw {raw:.1%}); target {TARGET:.0%}")
    left = [key for key in survivors if key not in EQUIVALENT]
    if left:
        print(f"\n{len(left)} mutant(s) not killed and not judged equivalent (`mutmut show NAME`):")
        for key in left:
            print(f"  {key}")
    if stale:
        print(f"\nEQUIVALENT names that are not survivors of this run (remove them): {', '.join(stale)}")
    return 0 if killed / judged >= TARGET and not stale else 1


def run_mutmut(children: int, names: list[str] | None = None) -> None:
    """A fresh run (mutants/ removed first), or, given `names`, a rerun of those mutants only
    in the existing mutants/ (mutmut collects the coverage of tests added since)."""
    if names is None:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    started = time.monotonic()
    command = [str(MUTMUT), "run", "--max-children", str(children), *(names or [])]
    done = subprocess.run(command, cwd=ROOT, check=False)
    what = f"{len(names)} mutants rerun" if names is not None else "mutmut run"
    print(f"{what}: exit {done.returncode} in {time.monotonic() - started:.0f} s on {children} children")


# Tests whose node ids mutmut cannot hand back to pytest in its own process (their ids are
# `ascii()` of odd inputs): a rerun by name fails its clean run on them ("not found"). A full
# run selects by folder and runs them; a rerun leaves them out of the per-mutant selection.
UNSELECTABLE = ("tests/test_go_atoi_table.py::",)


def drop_unselectable_tests(root: Path = ROOT) -> int:
    """Remove UNSELECTABLE tests from mutmut's test-per-function map (they stay known, so
    mutmut does not collect them again); returns how many links were dropped."""
    stats_file = root / "mutants" / "mutmut-stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    dropped = 0
    for function, tests in stats["tests_by_mangled_function_name"].items():
        kept = [t for t in tests if not t.startswith(UNSELECTABLE)]
        dropped += len(tests) - len(kept)
        stats["tests_by_mangled_function_name"][function] = kept
    stats_file.write_text(json.dumps(stats, indent=4), encoding="utf-8")
    return dropped


def not_killed(found: dict[str, dict[str, str]]) -> list[str]:
    return [key for statuses in found.values() for key, status in statuses.items() if status != "killed"]


def named() -> int:
    """Each named mutant in a copy of the checkout, against its fast tests."""
    survived = 0
    with tempfile.TemporaryDirectory(prefix="nac-named-") as tmp:
        copy = Path(tmp) / "checkout"
        shutil.copytree(
            ROOT, copy, ignore=shutil.ignore_patterns(".venv", "mutants", ".git", "__pycache__", "reports")
        )
        env = {**os.environ, "PYTHONPATH": str(copy / "src")}  # ahead of the editable install
        for path, original, mutant, what, tests in NAMED:
            target = copy / path
            text = target.read_text(encoding="utf-8")
            if original not in text:
                print(f"STALE  {what}: {original!r} is no longer in {path}")
                survived += 1
                continue
            target.write_text(text.replace(original, mutant, 1), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                cwd=copy,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            target.write_text(text, encoding="utf-8")
            killed = done.returncode != 0
            survived += not killed
            print(f"{'killed ' if killed else 'SURVIVED'} {what} ({' '.join(tests)})")
    return 1 if survived else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--results", action="store_true", help="only read the last run's results")
    parser.add_argument("--named", action="store_true", help="only the mutants issue 12 names")
    parser.add_argument(
        "--rerun", action="store_true", help="rerun only the last run's mutants not killed (after new tests)"
    )
    parser.add_argument("--max-children", type=int, default=2, help="mutmut's parallel children (2 cores)")
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    if args.named:
        return named()
    if args.rerun:
        left = not_killed(results())
        if not left:
            print("no mutmut results to rerun under mutants/: run without --rerun first", file=sys.stderr)
            return 2
        print(f"rerun without {drop_unselectable_tests()} links to {', '.join(UNSELECTABLE)}")
        run_mutmut(args.max_children, left)
    elif not args.results:
        run_mutmut(args.max_children)
    found = results()
    if not found:
        print("no mutmut results under mutants/: run without --results first", file=sys.stderr)
        return 2
    return score(found)


if __name__ == "__main__":
    sys.exit(main())
