"""Mutate real documents and look for converter faults: `python -m tools.apifox_corpus.fuzz DIR...`.

Each JSON or YAML document (up to 300 kB) is mutated `--per` times: one to five of its values
are replaced by another type (null, 0, "", [], {}, `{{var}}`, a dangling `$ref`, ...). A fault
is anything but a Conversion or an InputError: an exception (ConverterFault included) or an
operation dropped as one the converter failed on (`operation-unreadable-dropped`). Each new
fault is printed once, with the mutated document written beside the others in `--out`.
Markdown exports are mutated line by line (lines dropped, repeated, cut, swapped; headings,
request lines and table headers inserted). Found faults so far: see the git log of
`src/newapi_contract/apifox`.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import random
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from newapi_contract.apifox import convert_text
from newapi_contract.errors import InputError
from tools.apifox_corpus.survey import corpus_documents

_VALUES: list[Any] = [
    None, 0, 1.5, "", "x", [], {}, True, -1, "{{var}}", [None], {"$ref": "#/nope"}, "200", {"type": None},
]  # fmt: skip
_LINES = [
    "## POST x\n",
    "GET /a/{b}\n",
    "POST \n",
    "DELETE /x?y=1\n",
    "|名称|位置|类型|必选|说明|\n",
    "```\n",
]


def _places(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if at:
        yield at
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from _places(value, (*at, key))


def _set(root: Any, at: tuple[Any, ...], value: Any) -> None:
    node = root
    for part in at[:-1]:
        node = node[part]
    node[at[-1]] = value


def _mutated_data(text: str, rng: random.Random, per: int) -> Iterator[str]:
    base = json.loads(text) if text.lstrip()[:1] in "{[" else yaml.safe_load(text)
    places = list(_places(base))
    for _ in range(per if places else 0):
        doc = copy.deepcopy(base)
        for _ in range(rng.choice([1, 1, 2, 5])):
            with contextlib.suppress(KeyError, IndexError, TypeError):  # under a part already replaced
                _set(doc, rng.choice(places), copy.deepcopy(rng.choice(_VALUES)))
        yield json.dumps(doc, ensure_ascii=False)


def _mutated_lines(text: str, rng: random.Random, per: int) -> Iterator[str]:
    base = text.splitlines(keepends=True) or ["\n"]
    for _ in range(per):
        lines = list(base)
        for _ in range(rng.choice([1, 3, 10])):
            i = rng.randrange(len(lines))
            how = rng.choice(["drop", "repeat", "cut", "swap", "insert"])
            if how == "drop" and len(lines) > 1:
                del lines[i]
            elif how == "repeat":
                lines.insert(i, lines[i])
            elif how == "cut":
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            elif how == "swap":
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(i, rng.choice(_LINES))
        yield "".join(lines)


def fault_of(text: str, name: str) -> str | None:
    """What went wrong converting `text` (None: a Conversion or an InputError)."""
    try:
        conversion = convert_text(text, name)
    except InputError:
        return None
    except Exception as exc:  # a fault of the converter
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}: {str(exc)[:160]}"
    unreadable = [f for f in conversion.findings if f.rule == "operation-unreadable-dropped"]
    return unreadable[0].message[:200] if unreadable else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--per", type=int, default=10, help="mutations per document")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-faults"), help="where faulty documents go")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    seen: set[str] = set()
    for path in corpus_documents(args.folders):
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".md":
            mutants = _mutated_lines(text, rng, args.per)
        elif path.suffix in (".json", ".yaml", ".yml") and len(text) <= 300_000:
            try:
                mutants = _mutated_data(text, rng, args.per)
            except (ValueError, yaml.YAMLError):
                continue
        else:
            continue
        for mutant in mutants:
            fault = fault_of(mutant, path.name)
            key = fault.split(":", 2)[0] + fault.split(":", 2)[1] if fault else ""
            if fault and key not in seen:
                seen.add(key)
                args.out.mkdir(parents=True, exist_ok=True)
                kept = args.out / f"fault-{len(seen)}{path.suffix if path.suffix == '.md' else '.json'}"
                kept.write_text(mutant, encoding="utf-8")
                print(f"FAULT {path.name}: {fault} ({kept})", flush=True)
    print(f"{len(seen)} distinct fault(s)")
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
