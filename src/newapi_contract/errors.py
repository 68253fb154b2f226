"""The exception tree of newapi-contract and the exit codes: the one table of both.

`Exit` is every code the command can end with (the README's exit-code table says the
same); each exception says which one it ends a command with:

    ContractError            USAGE (2)   anything the user can fix by changing their input
    +-- UsageError           USAGE       bad option, bad configuration, missing credentials
    +-- InputError           USAGE       a malformed, empty, unknown or missing input file
    +-- TargetError          TARGET (3)  the server under test cannot be used
    |   +-- TargetUnreachable            connection refused, DNS failure, timeout
    |   +-- NotNewApi                    something answers, but it is not a new-api
    |   +-- CredentialsRejected          the server refuses the given credentials
    |   +-- FeatureAbsent                this release has no route for an optional feature
    |                                    (batch delete, key reveal, ...): a clause that
    |                                    needs it is not applicable, never failed
    +-- GuardRefusal         INTERNAL (4) the suite refused to send a request that could
                             touch data it did not create (a test error inside a run; a bug
                             of the suite if it ever ends a command)

    RoadFault                TARGET (3)  (a BaseException, deliberately not an Exception)
                             the road to the server, not the server, kept a request
                             from getting a real answer: throttled (429) past the
                             waiting budget, connection errors, a proxy's 502/503/504,
                             an answer lost after the server acted. A test that meets
                             one is *unverified*, never failed.

The CLI (`newapi_contract.cli`) turns these into one-line messages and exit codes;
library code raises, never prints or exits.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ContractError",
    "CredentialsRejected",
    "Exit",
    "FeatureAbsent",
    "GuardRefusal",
    "InputError",
    "NotNewApi",
    "RoadFault",
    "TargetError",
    "TargetUnreachable",
    "UsageError",
]


class Exit(IntEnum):
    """How a `newapi-contract` command ends: the one table of exit codes."""

    HELD = 0  # every clause checked held (other commands: done)
    FAILED = 1  # a clause failed: the server breaks the contract (convert --check: stale files;
    # selftest: a false alarm or a surviving fault)
    USAGE = 2  # bad usage, configuration or input; a selection that names no test
    TARGET = 3  # the target cannot be used, or the run is inconclusive: a clause unverified
    # because the road failed (throttled, network, a proxy, a lost answer)
    INTERNAL = 4  # an internal error of the suite (a bug of newapi-contract or pytest's
    # INTERNALERROR): no verdict on the server either way
    INTERRUPTED = 130  # Ctrl-C or SIGTERM: the run's tokens were cleaned up, reports incomplete


class ContractError(Exception):
    """Base of every error newapi-contract raises on purpose."""

    exit_code: Exit = Exit.USAGE


class UsageError(ContractError):
    """A bad option, configuration value or missing credential."""


class InputError(ContractError):
    """An input file that cannot be used: empty, truncated, malformed, unknown, missing."""


class TargetError(ContractError):
    """The server under test cannot be used for a run."""

    exit_code = Exit.TARGET


class TargetUnreachable(TargetError):
    """Nothing answers at the base URL."""


class NotNewApi(TargetError):
    """Something answers at the base URL, but it does not behave like new-api."""


class CredentialsRejected(TargetError):
    """The server refused the credentials the run was given."""


class FeatureAbsent(TargetError):
    """The server has no route for an optional feature (`feature` names it: "batch delete",
    "key reveal", ...): older releases lack some (reference §10). A test that meets it is
    not applicable, with this message as the reason."""

    def __init__(self, feature: str, message: str) -> None:
        super().__init__(message)
        self.feature = feature


class GuardRefusal(ContractError):
    """The ownership guard refused a request; it was never sent."""

    exit_code = Exit.INTERNAL


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

    exit_code = Exit.TARGET
    KINDS = ("throttled", "network", "proxy", "lost", "busy")

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown road fault kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message
