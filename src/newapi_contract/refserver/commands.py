"""`newapi-contract serve` and `newapi-contract proxy`: servers in the foreground.

`serve` runs the reference server (with `--flaky SPEC`, behind a flaky network that then
listens on `--port`); `proxy` puts a flaky network in front of any server. Each prints the
address it listens on and serves until SIGINT or SIGTERM, then stops cleanly (exit 0),
saying what the flaky network injected. `--list-faults` prints one line per fault mode.

With `--rate-limits on` the limiters take their numbers as upstream does, from
`GLOBAL_API_RATE_LIMIT`, `GLOBAL_WEB_RATE_LIMIT`, `CRITICAL_RATE_LIMIT`,
`SEARCH_RATE_LIMIT` and their `_DURATION` / `_ENABLE` variables (defaults: the
generation's), and `--limit` overrides them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

from newapi_contract.errors import UsageError
from newapi_contract.refserver.config import GENERATIONS, ServerConfig
from newapi_contract.refserver.faults import FAULTS
from newapi_contract.refserver.flaky import RunningProxy, start_proxy
from newapi_contract.refserver.flaky_spec import KINDS, parse_spec
from newapi_contract.refserver.ratelimit import RateLimits, parse_limit_spec
from newapi_contract.refserver.server import start

__all__ = ["register"]

SPEC_HELP = (
    "[flaky:]key=value,... with seed (default: drawn, then printed), rate (share of requests "
    f"hit, default 0.04), kinds ({'+'.join(KINDS)}; default all), and the seconds of "
    "latency, redeploy and hold (timeout) (default 2, 4, 20)"
)


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, got {value!r}")
    return value == "on"


def register(subparsers: Any) -> None:
    """Add the `serve` and `proxy` sub-commands."""
    parser = subparsers.add_parser(
        "serve",
        help="run the embedded reference new-api server",
        description="Run a faithful new-api token API (SQLite) in the foreground.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback)")
    parser.add_argument("--port", type=int, default=3000, help="port (0: any free port)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: in memory)")
    parser.add_argument(
        "--generation",
        choices=GENERATIONS,
        default="current",
        help="upstream generation to imitate (late2024: upstream c6ae8273, 2024-12-29)",
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
    parser.add_argument(
        "--flaky",
        nargs="?",
        const="flaky",
        metavar="SPEC",
        help=f"serve behind a flaky network, which listens on --port: {SPEC_HELP}",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    parser.set_defaults(handler=serve)

    proxy = subparsers.add_parser(
        "proxy",
        help="put a flaky network (resets, lost answers, 502/503 pages, latency, timeouts) in front "
        "of a server",
        description="A seeded fault-injecting HTTP/1.1 proxy in front of --upstream.",
    )
    proxy.add_argument(
        "--upstream", required=True, metavar="URL", help="the server, e.g. http://127.0.0.1:3000"
    )
    proxy.add_argument(
        "--listen", default="127.0.0.1:0", metavar="HOST:PORT", help="where to listen (default: a free port)"
    )
    proxy.add_argument("spec", nargs="?", default="flaky", metavar="SPEC", help=SPEC_HELP)
    proxy.set_defaults(handler=proxy_command)


@contextlib.contextmanager
def _until_signalled() -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets; the previous handlers come back afterwards."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _injected(proxy: RunningProxy) -> str:
    counts = ", ".join(f"{kind} {n}" for kind, n in proxy.injected().items())
    return f"newapi-contract flaky network: {proxy.requests} requests, injected {counts}"


def _listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UsageError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:3300")
    return host.strip("[]"), int(port)


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
    spec = parse_spec(args.flaky) if args.flaky is not None else None
    config = ServerConfig(
        generation=args.generation,
        faults=tuple(args.fault),
        rate_limits=args.rate_limits,
        limits=_limits(args),
        db_path=args.db,
        token_cache=args.token_cache,
        host=args.host,
        port=args.port if spec is None else 0,  # behind a flaky network, the proxy takes --port
    )
    faults = f" with faults {', '.join(config.faults)}" if config.faults else ""
    limits = config.effective_limits()
    faults += f"; limits {limits.describe()}" if limits else ""
    with _until_signalled() as stop, start(config) as server:
        if spec is None:
            print(
                f"newapi-contract reference server ({config.generation}) listening on "
                f"{server.base_url}{faults}",
                flush=True,
            )
            stop.wait()
            return 0
        with start_proxy(server.base_url, spec, args.host, args.port) as proxy:
            print(
                f"newapi-contract reference server ({config.generation}) listening on "
                f"{proxy.base_url}{faults} behind a flaky network ({spec.describe()}); "
                f"the server itself on {server.base_url}",
                flush=True,
            )
            stop.wait()
            print(_injected(proxy), flush=True)
    return 0


def proxy_command(args: argparse.Namespace) -> int:
    spec = parse_spec(args.spec)
    host, port = _listen_address(args.listen)
    with _until_signalled() as stop, start_proxy(args.upstream, spec, host, port) as proxy:
        print(
            f"newapi-contract flaky proxy listening on {proxy.base_url} -> {proxy.upstream} "
            f"({spec.describe()})",
            flush=True,
        )
        stop.wait()
        print(_injected(proxy), flush=True)
    return 0
