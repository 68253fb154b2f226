"""How close a throttled run comes to the floor its server's rate limit imposes.

A limiter of N requests per W seconds (a sliding log, as upstream's in-memory one) lets R
requests through in no less than (ceil(R / N) - 1) * W seconds when they go out at once. This
runs the suite once and prints its requests (all, and those on `/api`, the limited ones), 429
answers, wall time, that floor and the ratio. Against the embedded server the limit is scaled
down so that a window is seconds:

    python bench/pacing_floor.py                                   # embedded legacy, 40 per 5 s
    python bench/pacing_floor.py --limit 60 --window 10 --profile thorough
    python bench/pacing_floor.py --base-url http://127.0.0.1:3000 --limit 180 --window 180
        # a real upstream (root credentials in NEWAPI_ROOT_USERNAME / NEWAPI_ROOT_PASSWORD)

Target: the thorough profile within 1.1x the floor; the quick profile under one
window of upstream's legacy default (180 requests), so its floor is 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running new-api (default: the embedded server)")
    parser.add_argument("--generation", default="legacy", choices=("legacy", "current"))
    parser.add_argument("--profile", default="quick", choices=("quick", "thorough"))
    parser.add_argument("--limit", type=int, default=40, help="the global limit N (requests per window)")
    parser.add_argument("--window", type=float, default=5.0, help="the window W in seconds")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest (e.g. -n 2)")
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    script = str(Path(sys.executable).with_name("newapi-contract"))
    report_dir = Path(tempfile.mkdtemp(prefix="pacing-floor-"))
    command = [script, "run", "--profile", args.profile, "--report-dir", str(report_dir)]
    if args.base_url:
        command += ["--base-url", args.base_url]
    else:
        limit = f"global={args.limit}/{args.window:g},critical=40/60"
        command += ["--embedded-generation", args.generation, "--embedded-rate-limits", "on"]
        command += ["--embedded-limit", limit]
    command += ["--max-wait", "36000", "--", "-q", *args.pytest_args]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    wall = time.monotonic() - started
    try:
        run = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))["run"]
    except (OSError, ValueError, KeyError):
        print(done.stdout[-3000:] + done.stderr[-2000:], file=sys.stderr)
        return 1
    api = run.get("requests_by_limiter", {}).get("global", run["requests"])
    floor = max(0.0, (math.ceil(api / args.limit) - 1) * args.window)
    ratio = f"{wall / floor:.2f}x" if floor else "n/a (within one window)"
    print(f"exit {done.returncode}, profile {args.profile}, limit {args.limit} per {args.window:g} s")
    print(
        f"requests {run['requests']} (/api {api}), 429 answers {run['throttled']},"
        f" waited {run['pacing_waited_s']} s"
    )
    print(f"wall {wall:.1f} s, floor {floor:.1f} s, ratio {ratio}")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
