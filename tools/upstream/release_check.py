"""The release check (`newapi-contract compare`) between real upstream builds, set beside the
same comparison between the embedded reference server's generations.

Each binary is started on a fresh SQLite (`UpstreamInstance`, upstream's default limits plus
`--env`), bootstrapped by the comparison itself with root credentials, exactly as a staging
server given root's login. The two lists of changes (`classify.Change`: kind, place, both
values, the steps that show it) must be the same: a change only upstream shows is one the
reference server does not imitate (fix it in `refserver/`), one only it shows is one it invents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newapi_contract.compare.outputs import as_dict, write_outputs
from newapi_contract.compare.session import Comparison, run_comparison, select_steps
from newapi_contract.compare.targets import parse_target
from tools.upstream.instance import PortRange, UpstreamInstance

__all__ = ["PAIRS", "ReleaseCheck", "change_list", "run_release_check"]

ROOT = {"newapi_root_username": "root", "newapi_root_password": "nac-compare-Root-1"}
# (baseline, candidate) generations compared; same-generation pairs show the noise floor.
PAIRS = {
    "legacy-current": ("legacy", "current"),
    "current-current": ("current", "current"),
    "legacy-legacy": ("legacy", "legacy"),
}


Row = tuple[str, str, str, str, str]


def change_list(document: Mapping[str, Any]) -> list[Row]:
    """A comparison's changes (compare.json) as comparable rows: kind, where, both values, and
    the steps and calls that show it."""
    rows = []
    for c in document["changes"]:
        values = [
            json.dumps(c[side], ensure_ascii=False, sort_keys=True) for side in ("baseline", "candidate")
        ]
        seen = ", ".join(sorted({f"{s['step']} {s['call']}".strip() for s in c["seen_in"]}))
        rows.append((c["kind"], c["where"], values[0], values[1], seen))
    return rows


@dataclass
class ReleaseCheck:
    pair: str
    upstream: dict[str, Any]  # compare.json of the upstream comparison
    embedded: dict[str, Any]  # and of the embedded one

    @property
    def only_upstream(self) -> list[Row]:
        theirs, ours = change_list(self.upstream), set(change_list(self.embedded))
        return [row for row in theirs if row not in ours]

    @property
    def only_embedded(self) -> list[Row]:
        theirs, ours = set(change_list(self.upstream)), change_list(self.embedded)
        return [row for row in ours if row not in theirs]

    @property
    def unverified(self) -> int:
        return int(self.upstream["counts"]["unverified"]) + int(self.embedded["counts"]["unverified"])

    @property
    def same(self) -> bool:
        return not self.only_upstream and not self.only_embedded and not self.unverified


def _compare(baseline: str, candidate: str, common: dict[str, Any], report_dir: Path) -> Comparison:
    comparison = run_comparison(
        parse_target(baseline, "baseline"),
        parse_target(candidate, "candidate"),
        {**common, "newapi_report_dir": str(report_dir)},
        steps=select_steps(None),
        progress=lambda line: None,
    )
    write_outputs(comparison, report_dir)
    return comparison


def run_release_check(
    pair: str,
    binaries: Mapping[str, Path],
    ports: PortRange,
    env: Mapping[str, str],
    report_dir: Path,
) -> ReleaseCheck:
    """One pair: upstream baseline vs upstream candidate (fresh instances), then embedded."""
    base_gen, cand_gen = PAIRS[pair]
    with (
        UpstreamInstance(binaries[base_gen], ports, env) as base,
        UpstreamInstance(binaries[cand_gen], ports, env) as cand,
    ):
        upstream = _compare(base.base_url, cand.base_url, dict(ROOT), report_dir / f"{pair}-upstream")
    embedded = _compare(f"embedded:{base_gen}", f"embedded:{cand_gen}", {}, report_dir / f"{pair}-embedded")
    return ReleaseCheck(pair, as_dict(upstream), as_dict(embedded))
