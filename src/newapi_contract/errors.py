"""The exception tree of newapi-contract, and the exit code each branch maps to.

    ContractError            exit 2  (anything the user can fix by changing their input)
    +-- UsageError           exit 2  bad option, bad configuration, missing credentials
    +-- InputError           exit 2  a malformed, empty, unknown or missing input file
    +-- TargetError          exit 3  the server under test cannot be used
    |   +-- TargetUnreachable        connection refused, DNS failure, timeout
    |   +-- NotNewApi                something answers, but it is not a new-api
    |   +-- CredentialsRejected      the server refuses the given credentials
    +-- GuardRefusal         (a test error) the suite refused to send a request that
                             could touch data it did not create

    RoadFault                exit 3  (a BaseException, deliberately not an Exception)
                             the road to the server, not the server, kept a request
                             from getting a real answer: throttled (429) past the
                             waiting budget, connection errors, a proxy's 502/503/504,
                             an answer lost after the server acted. A test that meets
                             one is *unverified*, never failed.

The CLI (`newapi_contract.cli`) is the one place that turns these into exit codes and
one-line messages; library code raises, never prints or exits.
"""

from __future__ import annotations

__all__ = [
    "ContractError",
    "CredentialsRejected",
    "GuardRefusal",
    "InputError",
    "NotNewApi",
    "RoadFault",
    "TargetError",
    "TargetUnreachable",
    "UsageError",
]


class ContractError(Exception):
    """Base of every error newapi-contract raises on purpose."""

    exit_code = 2


class UsageError(ContractError):
    """A bad option, configuration value or missing credential."""


class InputError(ContractError):
    """An input file that cannot be used: empty, truncated, malformed, unknown, missing."""


class TargetError(ContractError):
    """The server under test cannot be used for a run."""

    exit_code = 3


class TargetUnreachable(TargetError):
    """Nothing answers at the base URL."""


class NotNewApi(TargetError):
    """Something answers at the base URL, but it does not behave like new-api."""


class CredentialsRejected(TargetError):
    """The server refused the credentials the run was given."""


class GuardRefusal(ContractError):
    """The ownership guard refused a request; it was never sent."""


class RoadFault(BaseException):
    """No real answer could be had for a request; `kind` says why.

    A BaseException so that nothing judges it by accident: `except Exception` in test
    code, hypothesis's shrinking and schemathesis's checks all let it through, and the
    plugin turns it into an *unverified* verdict (exit 3) with this message.
    Kinds: "throttled" (429s outlasted the waiting budget), "network" (connection errors,
    timeouts), "proxy" (502/503/504 from something in front of new-api), "lost" (the
    request may have acted but its answer never arrived), "busy" (the server's database
    stayed locked: SQLite answers SQLITE_BUSY to concurrent writes, and the write did not
    happen).
    """

    exit_code = 3
    KINDS = ("throttled", "network", "proxy", "lost", "busy")

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown road fault kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message
