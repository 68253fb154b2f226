"""The servers that read or aim DELETE's path id wrongly (refserver/misparse.py and the
off-by-one faults), the generation each is proven in, and the clause that must catch it.
Shared by test_misparsing_servers.py (the runs) and test_fault_matrix.py (every
deletion-related fault has a killer)."""

from __future__ import annotations

# fault -> (generation, the clause that must fail). Generations alternate: the faults are
# in the handler's id parsing, which both generations share.
MISTARGETING = {
    "id-unicode-digits": ("legacy", "DEL-ID-1"),  # %D9%A3 names no token
    "id-float-truncated": ("current", "DEL-ID-1"),  # 1.5 names no token
    "id-leading-digits": ("legacy", "DEL-ID-1"),  # 1.5, ` 1`
    "id-base-prefix": ("current", "DEL-ID-1"),  # 0x10, 1_000
    "id-whitespace-trimmed": ("legacy", "DEL-ID-1"),  # ` 1`, `1 `
    "id-first-digit-run": ("current", "DEL-ID-1"),  # 1.5 is 1; -1 is 1 too
    "id-overflow-wraps": ("legacy", "DEL-ID-2"),  # an overflow is not found, never a token
    "delete-off-by-minus-one": ("current", "DEL-ID-3"),  # +N deletes N, not N-1
    "delete-off-by-one": ("legacy", "DEL-ID-3"),  # ...nor N+1 (also in test_fault_matrix.KILLS)
}
