"""What differs between the two server generations: the one table (reference §2).

Everything else in the contract is the same for both generations (the delete
handler is unchanged in every release, reference §3). Tests read the row of the
detected generation instead of branching on the generation themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["TABLE", "Expectations", "Rejection", "for_generation", "for_server"]


@dataclass(frozen=True)
class Rejection:
    """How the server answers a request refused by user auth."""

    status: int
    code: str | None  # the `code` field of current's answers; legacy has none
    message: str  # English text, for the report; messages may be translated (ref §2)

    def describe(self) -> str:
        code = f", code {self.code}" if self.code else ", no code field"
        return f"HTTP {self.status}, success:false{code} ({self.message!r} in English)"


@dataclass(frozen=True)
class Expectations:
    generation: str
    missing_authorization: Rejection
    unknown_access_token: Rejection
    relay_key_as_access_token: Rejection
    # None: the generation ignores New-Api-User, the request proceeds as the credential's user.
    new_api_user_missing: Rejection | None
    new_api_user_malformed: Rejection | None
    new_api_user_mismatch: Rejection | None

    @property
    def checks_new_api_user(self) -> bool:
        return self.new_api_user_missing is not None


_LEGACY_UNKNOWN = Rejection(200, None, "Unauthorized, invalid access token")
_CURRENT_UNAUTHORIZED = Rejection(401, "AUTH_UNAUTHORIZED", "Unauthorized, invalid access token")

TABLE: dict[str, Expectations] = {
    "legacy": Expectations(
        generation="legacy",
        missing_authorization=Rejection(
            401, None, "Unauthorized, not logged in and no access token provided"
        ),
        unknown_access_token=_LEGACY_UNKNOWN,
        relay_key_as_access_token=_LEGACY_UNKNOWN,
        new_api_user_missing=Rejection(401, None, "Unauthorized, New-Api-User header not provided"),
        new_api_user_malformed=Rejection(401, None, "Unauthorized, New-Api-User header format error"),
        new_api_user_mismatch=Rejection(
            401, None, "Unauthorized, New-Api-User does not match logged in user"
        ),
    ),
    "current": Expectations(
        generation="current",
        missing_authorization=_CURRENT_UNAUTHORIZED,
        unknown_access_token=_CURRENT_UNAUTHORIZED,
        relay_key_as_access_token=_CURRENT_UNAUTHORIZED,
        new_api_user_missing=None,
        new_api_user_malformed=None,
        new_api_user_mismatch=None,
    ),
}


def for_generation(generation: str) -> Expectations:
    return TABLE[generation]


def for_server(generation: str, checks_new_api_user: bool) -> Expectations:
    """The generation's row, less the New-Api-User refusals on a release that never checked
    the header for access tokens (before 2025-01-05, reference §10; `contract.features`)."""
    row = TABLE[generation]
    if checks_new_api_user:
        return row
    return replace(row, new_api_user_missing=None, new_api_user_malformed=None, new_api_user_mismatch=None)
