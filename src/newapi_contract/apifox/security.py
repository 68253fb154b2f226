"""Security schemes and requirements as Apifox writes them -> what OpenAPI can say.

Apifox exports security that OpenAPI cannot read as is: schemes of made-up types
(`combination`, a group of other schemes that apply together; `apikey`, `bearer`,
`jwt` as types), requirements naming schemes that are not defined, and editor state
(`x-apifox`) inside a requirement. The rule here: a requirement the source states is
never dropped. A combination becomes its members; a name that is defined nowhere
becomes an explicit *unknown* scheme (an `http` scheme named `unknown`, saying so in
its description), so the operation still reads "needs a credential the source does
not define" instead of silently inheriting something else or needing nothing.
"""

from __future__ import annotations

from typing import Any

from newapi_contract.apifox.component_names import ORIGINAL_NAME, VALID_NAME, valid_name
from newapi_contract.apifox.draft import Components
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.schemas import child, is_noise_key

__all__ = ["Requirements", "SecurityResolver", "repair_scheme", "unknown_scheme"]

Requirements = list[dict[str, list[str]]]

_TYPES = ("apiKey", "http", "oauth2", "openIdConnect", "mutualTLS")
_FIELDS: dict[str, tuple[str, ...]] = {
    "apiKey": ("type", "description", "name", "in"),
    "http": ("type", "description", "scheme", "bearerFormat"),
    "oauth2": ("type", "description", "flows"),
    "openIdConnect": ("type", "description", "openIdConnectUrl"),
    "mutualTLS": ("type", "description"),
}


def unknown_scheme(why: str, description: str = "") -> dict[str, Any]:
    """A scheme that says only what is known: some credential is needed, its form is not."""
    text = f"Unknown credential: {why}."
    return {
        "type": "http",
        "scheme": "unknown",
        "description": f"{text} {description}".strip(),
        "x-source": {"unresolved": why},
    }


def repair_scheme(name: str, scheme: Any, where: str, log: FindingLog) -> dict[str, Any]:
    """`scheme` as an OpenAPI Security Scheme Object that says no more than it does."""
    if not isinstance(scheme, dict):
        log.add("security-scheme-repaired", f"scheme {name!r} is not an object: kept as unknown", where)
        return unknown_scheme(f"scheme {name!r} is not an object")
    fixed, changes = _retyped({k: v for k, v in scheme.items() if not is_noise_key(k)}, _jwt_settings(scheme))
    kind = fixed.get("type")
    if kind not in _TYPES:
        log.add(
            "security-scheme-repaired",
            f"scheme {name!r} has type {scheme.get('type')!r}, which OpenAPI does not know: kept as unknown",
            where,
        )
        return unknown_scheme(f"type {scheme.get('type')!r}", str(scheme.get("description") or ""))
    missing = _missing(fixed)
    if missing:
        log.add("security-scheme-repaired", f"{kind} scheme {name!r} lacks {missing}: kept as unknown", where)
        return unknown_scheme(f"{kind} scheme without {missing}", str(scheme.get("description") or ""))
    dropped = sorted(k for k in fixed if k not in _FIELDS[kind] and not k.startswith("x-"))
    if kind == "http" and "bearerFormat" in fixed and str(fixed["scheme"]).lower() != "bearer":
        dropped.append("bearerFormat")  # OpenAPI allows it for bearer only
    for key in dropped:
        del fixed[key]
    if dropped:
        changes.append(f"dropped field(s) OpenAPI does not define: {', '.join(dropped)}")
    if changes:
        log.add("security-scheme-repaired", f"scheme {name!r}: " + "; ".join(changes), where)
    return fixed


def _jwt_settings(scheme: dict[str, Any]) -> dict[str, Any]:
    """Where Apifox sends a JWT (its editor state beside a `jwt` scheme): header, prefix."""
    settings = scheme.get("x-apifox") or scheme.get("x-apidog")
    return settings if isinstance(settings, dict) else {}


def _retyped(scheme: dict[str, Any], jwt: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    fixed = dict(scheme)
    kind = str(scheme.get("type") or "")
    lowered = kind.lower()
    changes: list[str] = []
    prefix = jwt.get("headerPrefix")
    if kind in _TYPES:
        pass
    elif lowered == "jwt" and jwt.get("addTokenTo") == "query":
        name = jwt.get("queryParamKey") or jwt.get("queryKey")
        fixed = (
            {"type": "apiKey", "in": "query", "name": name}
            if isinstance(name, str) and name
            else {"type": "jwt"}
        )
        fixed.update({k: v for k, v in scheme.items() if k == "description"})
    elif lowered == "jwt" and isinstance(prefix, str) and prefix.strip().lower() != "bearer":
        # The token goes in the Authorization header as it is (or after another prefix).
        if prefix.strip():
            fixed = {"type": "http", "scheme": prefix.strip()}
        else:
            fixed = {"type": "apiKey", "in": "header", "name": "Authorization"}
        fixed.update({k: v for k, v in scheme.items() if k == "description"})
    elif lowered in ("apikey", "api_key", "api-key"):
        fixed["type"] = "apiKey"
    elif lowered in ("bearer", "jwt", "basic", "digest"):
        fixed["type"] = "http"
        fixed["scheme"] = fixed.get("scheme") or ("bearer" if lowered == "jwt" else lowered)
        if lowered == "jwt":
            fixed.setdefault("bearerFormat", "JWT")
    else:
        match = next((t for t in _TYPES if t.lower() == lowered), None)
        if match:
            fixed["type"] = match
    if fixed.get("type") != kind:
        changes.append(
            f"type {kind!r} -> {fixed.get('type')!r}"
            + (f" {fixed['scheme']!r}" if "scheme" in fixed and fixed.get("type") == "http" else "")
        )
    if (
        fixed.get("type") == "apiKey"
        and isinstance(fixed.get("in"), str)
        and fixed["in"] != fixed["in"].lower()
    ):
        changes.append(f"in {fixed['in']!r} -> {fixed['in'].lower()!r}")
        fixed["in"] = fixed["in"].lower()
    return fixed, changes


def _missing(scheme: dict[str, Any]) -> str:
    kind = scheme["type"]
    if kind == "apiKey":
        if not isinstance(scheme.get("name"), str) or not scheme["name"]:
            return "a parameter name"
        if scheme.get("in") not in ("query", "header", "cookie"):
            return "a place (in: query, header or cookie)"
    if kind == "http" and (not isinstance(scheme.get("scheme"), str) or not scheme["scheme"]):
        return "an HTTP scheme"
    if kind == "oauth2" and (not isinstance(scheme.get("flows"), dict) or not scheme["flows"]):
        return "flows"
    if kind == "openIdConnect" and not isinstance(scheme.get("openIdConnectUrl"), str):
        return "an openIdConnectUrl"
    return ""


class SecurityResolver:
    """Reads the requirements of one OpenAPI export against its components."""

    def __init__(self, components: Components, log: FindingLog) -> None:
        self.components = components
        self.log = log
        self.combinations: dict[str, list[str]] = {}
        self._combination_where: dict[str, str] = {}
        self._used: set[str] = set()
        self._unknown: set[str] = set()

    def add_combination(self, name: str, scheme: dict[str, Any], where: str) -> None:
        members = [str(m.get("id") if isinstance(m, dict) else m) for m in scheme.get("group") or []]
        members = [m for m in members if m and m != "None"]
        self.combinations[name] = members or [name]
        self._combination_where[name] = where

    def finish(self, where: str) -> None:
        """Say how each combination was read; `where`: the source's securitySchemes."""
        unused = [name for name in self.combinations if name not in self._used]
        for name in self.combinations:
            if name in self._used:
                members = self.combinations[name]
                undefined = [m for m in members if m in self._unknown]
                what = " AND ".join(members) if members != [name] else "nothing: kept as one unknown scheme"
                if undefined:
                    what += f" ({', '.join(undefined)} not defined: kept as unknown)"
                message = f"combination {name!r} = {what}"
                self.log.add("combination-security-expanded", message, self._combination_where[name])
        if unused:
            shown = ", ".join(unused[:5]) + (", ..." if len(unused) > 5 else "")
            self.log.add(
                "combination-security-expanded",
                f"{len(unused)} combination scheme(s) no requirement names are not written "
                f"(OpenAPI has no combination type): {shown}",
                where,
            )

    def resolve(self, security: Any, where: str) -> Requirements | None:
        """The requirements `security` states (None when it states nothing)."""
        if security is None:
            return None
        if not isinstance(security, list):
            self.log.add(
                "security-requirement-malformed", "security is not a list: read as none stated", where
            )
            return None
        out: Requirements = []
        for i, requirement in enumerate(security):
            here = child(where, i)
            resolved = self._requirement(requirement, here)
            if resolved is not None and resolved not in out:
                out.append(resolved)
        return out

    def _requirement(self, requirement: Any, where: str) -> dict[str, list[str]] | None:
        if not isinstance(requirement, dict):
            self.log.add(
                "security-requirement-malformed", "a requirement that is not an object: dropped", where
            )
            return None
        names = {k: v for k, v in requirement.items() if not is_noise_key(k)}
        for key in requirement.keys() - names.keys():
            self.log.noise(key, child(where, key))
        if requirement and not names:
            return None  # only editor state: it requires nothing and says nothing
        out: dict[str, list[str]] = {}
        for name, scopes in names.items():
            if not isinstance(scopes, list):
                self.log.add(
                    "security-requirement-malformed",
                    f"scopes of {name!r} are not a list: read as none",
                    where,
                )
                scopes = []
            if name in self.combinations:
                self._used.add(name)
            for member in self.combinations.get(name, [name]):
                member = self.ensure(member, where)
                out[member] = sorted({*out.get(member, []), *(str(s) for s in scopes)})
        return out

    def ensure(self, name: str, where: str) -> str:
        """Make sure scheme `name` exists: an undefined one becomes an explicit unknown.

        Returns the name the requirement uses: an undefined name OpenAPI does not accept as a
        component key is given a valid one (the original kept in the scheme)."""
        if name in self.components.security_schemes and name not in self._unknown:
            return name
        if name in self.combinations:  # a combination of nothing
            self.components.security_schemes[name] = unknown_scheme(f"combination {name!r} groups nothing")
            return name
        key = name if VALID_NAME.fullmatch(name) else valid_name(name, set(), "securitySchemes")
        self._unknown.add(key)
        scheme = unknown_scheme(f"{name!r} is not defined in the source")
        self.components.security_schemes[key] = scheme if key == name else {**scheme, ORIGINAL_NAME: name}
        self.log.tally(
            "security-undefined-kept",
            name,
            f"security scheme {name!r} is not defined: kept as an explicit unknown scheme "
            "(named by {count} requirement(s), first here)",
            where,
        )
        return key
