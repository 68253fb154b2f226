"""Auth in native Apifox data (an API, a folder, the project) -> security requirements.

An API's `auth` is one of Apifox's auth types (`apikey`, `bearer`, `basic`, `jwt`,
`digest`, `oauth2`, `oauth1`, `hawk`, ...), `noauth`, `securityscheme` (names schemes
of the project's `securitySchemeCollection` through `securityScheme.schemeGroups`:
each group is one requirement, its schemes applying together), or empty: inherit
from the folder, its parents, and finally the project settings. Credentials typed
into Apifox are never copied; the finding says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from newapi_contract.apifox.component_names import ORIGINAL_NAME, VALID_NAME, valid_name
from newapi_contract.apifox.draft import Components
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.schemas import child
from newapi_contract.apifox.security import Requirements, repair_scheme, unknown_scheme

__all__ = ["INHERIT", "NativeAuth"]

INHERIT: Any = object()  # "as my parent": the owner states nothing of its own
# "a security scheme, the one my parent names": `securityscheme` auth without groups.
_PARENTS_SCHEME: Any = object()

_INHERIT_TYPES = ("", "inherit", "inheritfromparent", "inherit-from-parent", "parent")
_NO_AUTH_TYPES = ("noauth", "no-auth", "none")
# Apifox auth types with no OpenAPI type: each sends `Authorization: <scheme> ...`.
_HTTP_SCHEMES = {
    "oauth1": "OAuth",
    "hawk": "Hawk",
    "ntlm": "NTLM",
    "kerberos": "Negotiate",
    "awsv4": "AWS4-HMAC-SHA256",
    "akamai": "EG1-HMAC-SHA256",
    "edgegrid": "EG1-HMAC-SHA256",
}
_OAUTH2_FLOWS = {
    "authorization_code": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
    "authorizationcode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
    "client_credentials": ("clientCredentials", ("tokenUrl",)),
    "clientcredentials": ("clientCredentials", ("tokenUrl",)),
    "password": ("password", ("tokenUrl",)),
    "implicit": ("implicit", ("authorizationUrl",)),
}
_URL_FIELDS = {
    "authorizationUrl": ("authorizationUrl", "authUrl", "authURL"),
    "tokenUrl": ("tokenUrl", "accessTokenUrl", "accessTokenURL"),
}
_SECRET_WORDS = ("token", "secret", "password", "passwd", "credential", "value", "username", "signature")


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text) or "_"


def _has_secret(settings: Any) -> bool:
    """Whether `settings` holds something typed in as a credential (never copied)."""
    if isinstance(settings, dict):
        for key, value in settings.items():
            lowered = str(key).lower()
            if isinstance(value, dict | list):
                if _has_secret(value):
                    return True
            elif value not in (None, "") and any(w in lowered for w in _SECRET_WORDS):
                return True
        return False
    if isinstance(settings, list):
        return any(_has_secret(v) for v in settings)
    return False


class NativeAuth:
    """The auth of one native document: its scheme collection, and each owner's requirements."""

    def __init__(self, components: Components, log: FindingLog) -> None:
        self.components = components
        self.log = log
        self._by_id: dict[str, str] = {}  # securitySchemeCollection id -> component name
        self._said: dict[str, Any] = {}  # owner's auth location -> its requirements (or INHERIT)
        self._unresolved: set[str] = set()

    # -- securitySchemeCollection -------------------------------------------------

    def load_collection(self, items: Any, where: str) -> None:
        for i, item in enumerate(items if isinstance(items, list) else []):
            here = child(where, i)
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("items"), list):
                self.load_collection(item["items"], child(here, "items"))
                continue
            if "id" not in item:
                continue
            given = str(item.get("name") or f"SecurityScheme-{item['id']}")
            name = given if VALID_NAME.fullmatch(given) else valid_name(given, set(), "securitySchemes")
            definition = next(
                (
                    item[k]
                    for k in ("authConfigs", "securityScheme", "scheme", "schema", "config", "definition")
                    if isinstance(item.get(k), dict)
                ),
                None,
            )
            if definition is None and isinstance(item.get("type"), str):
                definition = {
                    k: v for k, v in item.items() if k not in ("id", "name", "moduleId", "ordering")
                }
            if definition is None:
                self.log.add(
                    "auth-type-unknown",
                    f"security scheme {name!r} has no definition the converter can read: kept as unknown",
                    here,
                )
                scheme = unknown_scheme(f"security scheme {name!r} of the Apifox project")
            else:
                scheme = repair_scheme(name, definition, here, self.log)
                if _has_secret(definition):
                    self.log.add(
                        "auth-secret-dropped", f"scheme {name!r}: its credential is not copied", here
                    )
            if name != given:  # OpenAPI does not take the name: keep it beside the scheme
                scheme = {**scheme, ORIGINAL_NAME: given}
                self.log.add(
                    "component-renamed",
                    f"security scheme name {given!r} is not a valid component name: {name!r} (the "
                    f"original kept as {ORIGINAL_NAME})",
                    here,
                )
            self._by_id[str(item["id"])] = self.components.add_scheme(name, scheme)

    # -- requirements -------------------------------------------------------------

    def effective(self, owners: Sequence[tuple[Any, str]]) -> tuple[Requirements | None, str]:
        """The requirements of the first owner that states its own (API, folders..., project),
        and where that owner states them."""
        pending = None  # where a `securityscheme` auth without groups waits for its parent's
        for owner, where in owners:
            said = self.said(owner, where)
            if said is _PARENTS_SCHEME:
                pending = pending or where
            elif said is not INHERIT:
                return said, where
        if pending is not None:
            name = self.components.add_scheme(
                "SecurityScheme", unknown_scheme("security-scheme auth that names no scheme")
            )
            self.log.add(
                "auth-type-unknown",
                "security-scheme auth names no scheme, nor does a parent: kept as unknown",
                pending,
            )
            return [{name: []}], pending
        return None, owners[0][1] if owners else ""

    def said(self, owner: Any, where: str) -> Any:
        """What `owner` (an API, a folder, the project settings) states; INHERIT if nothing."""
        if where not in self._said:
            self._said[where] = self._read(owner if isinstance(owner, dict) else {}, where)
        return self._said[where]

    def _read(self, owner: dict[str, Any], where: str) -> Any:
        auth = owner.get("auth")
        kind = auth.get("type") if isinstance(auth, dict) else None
        if not isinstance(kind, str) or kind.strip().lower() in _INHERIT_TYPES:
            return INHERIT
        assert isinstance(auth, dict)
        lowered = kind.strip().lower()
        found = auth.get(kind)
        settings: dict[str, Any] = found if isinstance(found, dict) else {}
        if lowered in _NO_AUTH_TYPES:
            return []
        if lowered == "securityscheme":
            return self._scheme_groups(auth, owner, where)
        name, scheme = self._scheme(lowered, kind, settings, where)
        name = self.components.add_scheme(name, scheme)
        if _has_secret(settings):
            self.log.add(
                "auth-secret-dropped",
                f"{kind} auth becomes security scheme {name!r}; its credential is not copied",
                where,
            )
        return [{name: []}]

    def _scheme(
        self, lowered: str, kind: str, settings: dict[str, Any], where: str
    ) -> tuple[str, dict[str, Any]]:
        if lowered == "apikey":
            key = str(settings.get("key") or "api-key")
            place = str(settings.get("in") or "header").lower()
            place = place if place in ("header", "query", "cookie") else "header"
            return f"ApiKey-{_name(key)}", {"type": "apiKey", "in": place, "name": key}
        if lowered in ("basic", "bearer", "digest"):
            return f"{lowered.capitalize()}Auth", {"type": "http", "scheme": lowered}
        if lowered == "jwt":
            self.log.add(
                "auth-type-mapped", "jwt auth becomes an http bearer scheme (bearerFormat JWT)", where
            )
            return "JwtAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        if lowered in _HTTP_SCHEMES:
            scheme = _HTTP_SCHEMES[lowered]
            self.log.add(
                "auth-type-mapped",
                f"{kind} auth has no OpenAPI type: an http scheme {scheme!r} (Authorization: {scheme} ...)",
                where,
            )
            return f"{_name(kind)}Auth", {"type": "http", "scheme": scheme}
        if lowered == "oauth2":
            return self._oauth2(settings, where)
        self.log.add(
            "auth-type-unknown", f"auth type {kind!r} is not one Apifox documents: kept as unknown", where
        )
        return f"Apifox-{_name(kind)}", unknown_scheme(f"Apifox auth type {kind!r}")

    def _oauth2(self, settings: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
        grant = str(settings.get("grantType") or settings.get("grant_type") or "authorization_code").lower()
        flow_name, needed = _OAUTH2_FLOWS.get(grant, (None, ()))
        flow: dict[str, Any] = {}
        for field in needed:
            url = next(
                (settings[k] for k in _URL_FIELDS[field] if isinstance(settings.get(k), str) and settings[k]),
                None,
            )
            if url is not None:
                flow[field] = url
        scope_text = settings.get("scope") or settings.get("scopes") or ""
        scopes = scope_text.split() if isinstance(scope_text, str) else [str(s) for s in scope_text or []]
        if flow_name is None or len(flow) < len(needed):
            what = f"grant type {grant!r}" if flow_name is None else f"{grant} without its URL(s)"
            self.log.add("auth-type-unknown", f"oauth2 auth with {what}: kept as unknown", where)
            return "OAuth2", unknown_scheme(f"Apifox oauth2 auth with {what}")
        flow["scopes"] = {s: "" for s in scopes}
        return "OAuth2", {"type": "oauth2", "flows": {flow_name: flow}}

    def _scheme_groups(self, auth: dict[str, Any], owner: dict[str, Any], where: str) -> Any:
        spec = next(
            (
                s
                for s in (auth.get("securityScheme"), auth.get("securityscheme"), owner.get("securityScheme"))
                if isinstance(s, dict) and s.get("schemeGroups")
            ),
            {},
        )
        scopes = spec.get("scopes") if isinstance(spec.get("scopes"), dict) else {}
        out: Requirements = []
        for group in spec.get("schemeGroups") or []:
            if not isinstance(group, dict):
                continue
            group_scopes = scopes.get(str(group.get("id")), {}) if isinstance(scopes, dict) else {}
            requirement: dict[str, list[str]] = {}
            for scheme_id in group.get("schemeIds") or []:
                name = self._scheme_for_id(scheme_id, where)
                granted = group_scopes.get(name) or group_scopes.get(str(scheme_id)) or []
                requirement[name] = [str(s) for s in granted] if isinstance(granted, list) else []
            if requirement and requirement not in out:
                out.append(requirement)
        if not out:
            return _PARENTS_SCHEME
        if spec.get("required") is False:
            out.append({})
        if _has_secret(spec.get("use")):
            self.log.add("auth-secret-dropped", "credentials of the security scheme are not copied", where)
        return out

    def _scheme_for_id(self, scheme_id: Any, where: str) -> str:
        key = str(scheme_id)
        if key in self._by_id and key not in self._unresolved:
            return self._by_id[key]
        if key in self.components.security_schemes and key not in self._unresolved:  # named, not numbered
            return key
        if key not in self._by_id:
            self._unresolved.add(key)
            self._by_id[key] = self.components.add_scheme(
                f"SecurityScheme-{_name(key)}", unknown_scheme(f"security scheme {key} is not in the project")
            )
        name = self._by_id[key]
        self.log.tally(
            "security-undefined-kept",
            name,
            f"security scheme id {key} is not in securitySchemeCollection: kept as an explicit unknown "
            "scheme (named by {count} owner(s), first here)",
            where,
        )
        return name
