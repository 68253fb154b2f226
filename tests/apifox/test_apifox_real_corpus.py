"""Every real export converts to valid OpenAPI 3.1 with its operations, or is refused for a stated reason.

Runs over the committed documents (tests/data/apifox, see NOTICE.md) and, when
NEWAPI_APIFOX_CORPUS names a folder, every document in it (fetch them with
`python -m tools.apifox_corpus.fetch DIR`; tools/apifox_corpus/sources.yaml lists them).
Per document: the output is valid (the converter's own validation) and schemathesis loads
every operation of it (the suite's generated layer reads contracts with it), the operations
of the source (counted independently, see tools/apifox_corpus/survey.py) are all in
the output or each named by a finding, and a refusal is one line for an accepted reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from apifox_docs import DATA
from schemathesis.core.result import Err
from schemathesis.openapi import from_dict

from newapi_contract.apifox.document import validate
from tools.apifox_corpus.survey import ACCEPTED_REFUSALS, corpus_documents, survey_one

_CORPUS = os.environ.get("NEWAPI_APIFOX_CORPUS", "")
COMMITTED = corpus_documents([DATA])
LOCAL = corpus_documents([Path(_CORPUS)]) if _CORPUS and Path(_CORPUS).is_dir() else []


def _check(path: Path) -> None:
    outcome, conversion = survey_one(path)
    if conversion is None:
        assert "\n" not in outcome.refused, outcome.refused
        assert any(reason in outcome.refused for reason in ACCEPTED_REFUSALS), outcome.refused
        return
    validate(conversion.document, path.name)
    # The suite's generated layer reads contracts with schemathesis: every operation loads.
    unloadable = [r.err() for r in from_dict(conversion.document).get_all_operations() if isinstance(r, Err)]
    assert not unloadable, (
        f"{path.name}: {len(unloadable)} operation(s) schemathesis cannot load: {unloadable[0]}"
    )
    assert outcome.source_operations is not None, f"{path.name}: a format the survey cannot count"
    # Every operation of the source is in the output, or a finding names it.
    assert outcome.operations + outcome.dropped == outcome.source_operations, outcome


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_real_document(path: Path) -> None:
    _check(path)


@pytest.mark.skipif(not LOCAL, reason="NEWAPI_APIFOX_CORPUS names no folder of documents")
@pytest.mark.parametrize("path", LOCAL or [None], ids=lambda p: p.name if p else "none")
def test_local_corpus_document(path: Path) -> None:
    _check(path)


def test_the_committed_corpus_is_not_empty() -> None:
    assert len(COMMITTED) >= 6
