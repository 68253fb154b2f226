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
