"""`newapi-contract serve`: the reference server in the foreground.

Prints the address it listens on, serves until SIGINT or SIGTERM, then stops cleanly
(exit 0). `--list-faults` prints one line per fault mode instead.

With `--rate-limits on` the limiters take their numbers as upstream does, from
`GLOBAL_API_RATE_LIMIT`, `GLOBAL_WEB_RATE_LIMIT`, `CRITICAL_RATE_LIMIT`,
`SEARCH_RATE_LIMIT` and their `_DURATION` / `_ENABLE` variables (defaults: the
generation's), and `--limit` overrides them.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from typing import Any

from newapi_contract.errors import UsageError
from newapi_contract.target.config import GENERATIONS, ServerConfig
from newapi_contract.target.faults import FAULTS
from newapi_contract.target.ratelimit import RateLimits, parse_limit_spec
from newapi_contract.target.server import start

__all__ = ["register"]


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, got {value!r}")
    return value == "on"


def register(subparsers: Any) -> None:
    """Add the `serve` sub-command."""
    parser = subparsers.add_parser(
        "serve",
        help="run the embedded reference new-api server",
        description="Run a faithful new-api token API (SQLite) in the foreground.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback)")
    parser.add_argument("--port", type=int, default=3000, help="port (0: any free port)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: in memory)")
    parser.add_argument(
        "--generation", choices=GENERATIONS, default="current", help="auth generation to imitate"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="turn on a fault mode (repeatable; see --list-faults)",
    )
    parser.add_argument(
        "--rate-limits",
        type=_on_off,
        default=False,
        metavar="on|off",
        help="upstream's rate limiters (default off); numbers from upstream's env variables",
    )
    parser.add_argument(
        "--limit",
        metavar="NAME=N/S,...",
        help="limiters to set (global, web, critical, search), e.g. global=180/180,critical=off; "
        "needs --rate-limits on",
    )
    parser.add_argument(
        "--token-cache",
        type=_on_off,
        default=False,
        metavar="on|off",
        help="imitate the Redis token cache (default off)",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    parser.set_defaults(handler=serve)


def _limits(args: argparse.Namespace) -> RateLimits:
    """Upstream's env variables, then `--limit` on top (only with the limiters on)."""
    if not args.rate_limits:
        if args.limit:
            raise UsageError("--limit needs --rate-limits on")
        return RateLimits()
    limits = RateLimits.from_env(os.environ, args.generation)
    return limits.overridden_by(parse_limit_spec(args.limit)) if args.limit else limits


def serve(args: argparse.Namespace) -> int:
    if args.list_faults:
        width = max(len(name) for name in FAULTS)
        for fault in FAULTS.values():
            print(f"{fault.name:<{width}}  {fault.summary}")
        return 0
    config = ServerConfig(
        generation=args.generation,
        faults=tuple(args.fault),
        rate_limits=args.rate_limits,
        limits=_limits(args),
        db_path=args.db,
        token_cache=args.token_cache,
        host=args.host,
        port=args.port,
    )
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with start(config) as server:
            faults = f" with faults {', '.join(config.faults)}" if config.faults else ""
            limits = config.effective_limits()
            shown = f"; limits {limits.describe()}" if limits else ""
            print(
                f"newapi-contract reference server ({config.generation}) listening on "
                f"{server.base_url}{faults}{shown}",
                flush=True,
            )
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
