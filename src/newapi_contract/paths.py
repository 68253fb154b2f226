"""Where the project's files live: the contract sources, the generated OpenAPI, reports.

The contract (clause catalogue, overlay, Apifox sources, schemathesis config and the
clause tests), the generated OpenAPI and the notes on the real server the clauses cite have
one editable copy: `contracts/`, `openapi/` and `docs/server-notes.md` at the top of the
checkout. The wheel carries that copy inside the package (`newapi_contract/contracts/`,
`newapi_contract/openapi/`, `newapi_contract/docs/`: the hatch `sources` of pyproject.toml). So:

- run from a checkout (an editable install), they are the checkout's folders, and the
  reports go to the checkout's `reports/`;
- installed (`pip install <path or URL>`), they are the package's, found with
  `importlib.resources`, and the reports go to `./reports` of the current folder (and
  `convert`'s files to `./openapi`): nothing is written into the installed package.

Nothing here reads a file: importing this module is free for any pytest session.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = [
    "CHECKOUT",
    "CLAUSES_FILE",
    "CONTRACTS_DIR",
    "CONVERT_DIR",
    "EFFECTIVE_CONTRACT",
    "OPENAPI_DIR",
    "OVERLAY_FILE",
    "PLAIN_CONTRACT",
    "PROJECT_ROOT",
    "REPORTS_DIR",
    "SCHEMATHESIS_CONFIG",
    "SEED_SOURCE",
    "SERVER_NOTES",
]


def _checkout() -> Path | None:
    """The checkout this package is imported from (src/newapi_contract/ of it), if any."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "contracts").is_dir():
        return root
    return None


def _installed_root() -> Path:
    # A wheel installs into a plain folder, so the package's resources are real files
    # (pytest needs paths, not a zip's traversables).
    return Path(str(resources.files("newapi_contract")))


CHECKOUT = _checkout()
# The folder that holds contracts/ and openapi/: the checkout, or the installed package.
PROJECT_ROOT = CHECKOUT if CHECKOUT is not None else _installed_root()
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
OPENAPI_DIR = PROJECT_ROOT / "openapi"
REPORTS_DIR = (CHECKOUT if CHECKOUT is not None else Path.cwd()) / "reports"
# Where `convert` without a SOURCE writes: the checkout's openapi/, or installed, ./openapi of
# the current folder (nothing is ever written into the installed package).
CONVERT_DIR = OPENAPI_DIR if CHECKOUT is not None else Path.cwd() / "openapi"
SEED_SOURCE = CONTRACTS_DIR / "apifox" / "000_delete_token.apifox.txt"
OVERLAY_FILE = CONTRACTS_DIR / "overlay.yaml"
CLAUSES_FILE = CONTRACTS_DIR / "clauses.yaml"
SCHEMATHESIS_CONFIG = CONTRACTS_DIR / "schemathesis.toml"
PLAIN_CONTRACT = OPENAPI_DIR / "delete-token.openapi.json"
EFFECTIVE_CONTRACT = OPENAPI_DIR / "delete-token.effective.json"
SERVER_NOTES = PROJECT_ROOT / "docs" / "server-notes.md"  # the "ref §N" the clauses cite
# The run's reports in its report directory: one home for their names.
REPORT_HTML, JUNIT_XML, SUMMARY_JSON = "report.html", "junit.xml", "summary.json"
REPORT_FILES = (REPORT_HTML, JUNIT_XML, SUMMARY_JSON)
