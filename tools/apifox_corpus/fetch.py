"""Download the documents `sources.yaml` names into a folder: `python -m tools.apifox_corpus.fetch DEST`.

Each comes from raw.githubusercontent.com at the commit named, so the bytes are the
ones the corpus was surveyed with. For a developer with internet access; CI never
runs it (the corpus test skips when NEWAPI_APIFOX_CORPUS is unset).
"""

from __future__ import annotations

import argparse
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

SOURCES = Path(__file__).with_name("sources.yaml")
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def documents(sources: Path | None = None) -> list[dict[str, Any]]:
    """The entries of `sources` (default: `sources.yaml` beside this file)."""
    return list(yaml.safe_load((sources or SOURCES).read_text(encoding="utf-8"))["documents"])


def url(entry: dict[str, Any]) -> str:
    return RAW.format(repo=entry["repo"], commit=entry["commit"], path=quote(str(entry["path"])))


def fetch(dest: Path, *, sources: Path | None = None, timeout: float = 60.0) -> int:
    """Download every document missing from `dest`; the number that failed."""
    dest.mkdir(parents=True, exist_ok=True)
    failed = 0
    for entry in documents(sources):
        target = dest / str(entry["file"])
        if target.exists() and target.stat().st_size == entry.get("bytes", target.stat().st_size):
            continue
        try:
            with urllib.request.urlopen(url(entry), timeout=timeout) as response:
                data = response.read()
        except OSError as exc:
            print(f"{entry['file']}: not fetched ({exc})", file=sys.stderr)
            failed += 1
            continue
        if "bytes" in entry and len(data) != entry["bytes"]:
            print(
                f"{entry['file']}: {len(data)} bytes, {entry['bytes']} expected: kept anyway", file=sys.stderr
            )
        target.write_bytes(data)
        print(f"{entry['file']}: {len(data)} bytes")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path, help="folder to download into")
    args = parser.parse_args(argv)
    return 1 if fetch(args.dest) else 0


if __name__ == "__main__":
    sys.exit(main())
