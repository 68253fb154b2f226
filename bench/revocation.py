"""How long a deleted key keeps working, per door of the relay, over many trials.

Each trial: a fresh token and its key, the key used on the door (a warm cache), the delete,
then the door probed every 50 ms from the delete's answer until it refuses the key (at most
`--bound` seconds), and once more 1.5 s after the delete (a racing refill). `--busy` keeps a
second client using the key on the door while the delete happens (a key in use elsewhere:
legacy's asynchronous Redis eviction races with it). Prints per door: trials, refused on
the first probe, trials with the key accepted after the delete's answer, refusal time p50
and max, and keys alive again later.

Against the embedded server (none given) or any new-api, with root credentials:

    python bench/revocation.py --trials 20 [--token-cache on] [--generation legacy]
    NEWAPI_ROOT_USERNAME=root NEWAPI_ROOT_PASSWORD=... \\
        python bench/revocation.py --base-url http://127.0.0.1:3510 --trials 20 --busy

Every trial reveals a key: upstream's critical limiter allows 20 per 20 min per IP, so many
trials need a server started with CRITICAL_RATE_LIMIT_ENABLE=false.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

from newapi_contract.contract.doors import DOORS, is_refusal
from newapi_contract.contract.revocation import watch
from newapi_contract.suite.run_context import RunContext
from newapi_contract.suite.settings import RunSettings
from newapi_contract.suite.tokens import TokenFactory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="the new-api (default: the embedded reference server)")
    parser.add_argument(
        "--generation", choices=("legacy", "current"), default="current", help="embedded only"
    )
    parser.add_argument("--token-cache", choices=("on", "off"), default="off", help="embedded only")
    parser.add_argument("--trials", type=int, default=10, help="trials per door")
    parser.add_argument("--doors", choices=("quick", "all"), default="quick")
    parser.add_argument("--bound", type=float, default=5.0, help="seconds to keep probing a live key")
    parser.add_argument("--busy", action="store_true", help="another client uses the key during the delete")
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    settings = RunSettings.from_values(
        {
            "base_url": args.base_url,
            "newapi_rate": 0.0,
            "newapi_embedded_generation": args.generation,
            "newapi_token_cache": args.token_cache,
            "newapi_report_dir": tempfile.mkdtemp(prefix="revocation-"),
        }
    )
    ctx = RunContext(settings)
    try:
        target = ctx.start()
        assert ctx.owner is not None
        api = ctx.owner.api
        factory = TokenFactory(ctx, ctx.owner)
        doors = [d for d in DOORS if (args.doors == "all" or d.quick) and target.generation in d.generations]
        print(f"{target.describe()}; {args.trials} trial(s) per door, busy={args.busy}")
        print(f"{'door':<18} {'trials':>6} {'first':>6} {'late':>5} {'p50 ms':>7} {'max ms':>7} {'again':>6}")
        for door in doors:
            firsts = late = again = 0
            refused_ms: list[float] = []
            for _ in range(args.trials):
                token = factory()
                key = token.key()
                if not door.accepts(door.send(api, key)):
                    print(f"{door.name:<18} not applicable: the live key is not accepted")
                    break
                stop = threading.Event()
                reader = threading.Thread(target=_hammer, args=(door, api, key, stop), daemon=True)
                if args.busy:
                    reader.start()
                    time.sleep(0.02)
                api.delete_token(token.id)
                started = time.monotonic()
                seen = watch(
                    {door.name: lambda door=door, key=key: door.send(api, key)},
                    started=started,
                    bound_s=args.bound,
                    refused=is_refusal,
                )[door.name]
                stop.set()
                if args.busy:
                    reader.join()
                firsts += bool(seen.probes) and seen.probes[0].refused
                late += bool(seen.accepted)
                if seen.first_refusal is not None:
                    refused_ms.append(seen.first_refusal.answered_s * 1000)
                again += seen.later is not None and not seen.later.refused
            else:
                p50 = f"{statistics.median(refused_ms):.1f}" if refused_ms else "-"
                worst = f"{max(refused_ms):.1f}" if refused_ms else "-"
                print(
                    f"{door.name:<18} {args.trials:>6} {firsts:>6} {late:>5} {p50:>7} {worst:>7} {again:>6}"
                )
    finally:
        ctx.cleanup()
        ctx.close()
        for leftover in Path(settings.report_dir).glob("*"):
            leftover.unlink()
    return 0


def _hammer(door, api, key, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    while not stop.is_set():
        door.send(api, key)


if __name__ == "__main__":
    raise SystemExit(main())
