"""Where the project's files live: the contract sources, the generated OpenAPI, reports.

The suite runs from a checkout (`pip install -e .`), so the top-level folders sit two
levels above this package; when run elsewhere, the current directory is used.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CLAUSES_FILE",
    "CONTRACTS_DIR",
    "EFFECTIVE_CONTRACT",
    "OPENAPI_DIR",
    "OVERLAY_FILE",
    "PLAIN_CONTRACT",
    "PROJECT_ROOT",
    "REPORTS_DIR",
    "SEED_SOURCE",
]


def _project_root() -> Path:
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "contracts").is_dir():
        return checkout
    return Path.cwd()


PROJECT_ROOT = _project_root()
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
OPENAPI_DIR = PROJECT_ROOT / "openapi"
REPORTS_DIR = PROJECT_ROOT / "reports"
SEED_SOURCE = CONTRACTS_DIR / "apifox" / "000_delete_token.apifox.txt"
OVERLAY_FILE = CONTRACTS_DIR / "overlay.yaml"
CLAUSES_FILE = CONTRACTS_DIR / "clauses.yaml"
PLAIN_CONTRACT = OPENAPI_DIR / "delete-token.openapi.json"
EFFECTIVE_CONTRACT = OPENAPI_DIR / "delete-token.effective.json"
