"""Agreement between two independent readings of the same responses — or of the same opinions'
request types (inter-annotator agreement): observed agreement, Cohen's kappa, the confusion
between the readings, and each disagreement."""
from __future__ import annotations

import json
from pathlib import Path

from .exceptions import AnnotationError
from .labels import LABELS


def read_reading(path) -> list:
    """One reading: an annotation file (``id, label, evidence, note``), or the labelled dataset —
    its official and annotated rows, with the published category (official) or the recorded
    evidence (annotated) as evidence, so a blind reading can be held against either."""
    from .dataset import is_dataset_file, load_dataset, read_annotations
    from .metrics import REFERENCE_ORIGINS

    path = Path(path)
    if _is_request_reading(path):
        from .request_labels import read_request_annotations

        return [dict(r, label=r["primary"], file=path.name, line=r["where"].rsplit(":", 1)[1])
                for r in read_request_annotations(path)]
    if is_dataset_file(path):
        frame = load_dataset(path)
        frame = frame[frame["label_origin"].isin(REFERENCE_ORIGINS)]
        return [{"id": r.id, "label": r.label, "file": path.name, "line": n, "origin": r.label_origin,
                 "evidence": f"【{r.raw_category}】" if r.label_origin == "official" else r.evidence}
                for n, r in zip(frame.index + 2, frame.itertuples())]
    return read_annotations(path)


def _is_request_reading(path) -> bool:
    """A request-type annotation file (header id,primary,types,…), by its first line."""
    if path.suffix.lower() != ".csv":
        return False
    with open(path, "rb") as f:
        return f.readline().lstrip(b"\xef\xbb\xbf").startswith(b"id,primary,types")


def vocabulary(*readings) -> tuple:
    """The labels the readings use: the five response labels, or the request types."""
    from .requests import REQUEST_TYPES

    used = {r["label"] for reading in readings for r in reading}
    return REQUEST_TYPES if used and used <= set(REQUEST_TYPES) and not used <= set(LABELS) else LABELS


def _by_id(rows: list, name: str, labels=LABELS) -> dict:
    out = {}
    for r in rows:
        where = f"{r.get('file', name)} line {r.get('line', '?')}"
        if r["label"] not in labels:
            raise AnnotationError(f"{where}: unknown label {r['label']!r}; use one of {', '.join(labels)}")
        if r["id"] in out:
            raise AnnotationError(f"{where}: id {r['id']!r} is read twice in the {name} reading; keep one")
        out[r["id"]] = r
    return out


def cohen_kappa(a: list, b: list) -> float:
    """Cohen's kappa of two equally long label sequences (1.0 when both are constant and equal)."""
    n = len(a)
    if n == 0 or n != len(b):
        raise ValueError(f"need two non-empty sequences of equal length, got {len(a)} and {len(b)}")
    observed = sum(x == y for x, y in zip(a, b)) / n
    chance = sum((a.count(l) / n) * (b.count(l) / n) for l in set(a) | set(b))
    return 1.0 if chance == 1.0 else (observed - chance) / (1 - chance)


def agreement(first: list, second: list) -> dict:
    """Compare two readings (lists of dicts with ``id``, ``label``, ``evidence``). Every id of the
    second reading must be in the first; the comparison is over those ids."""
    labels = vocabulary(first, second)
    one, two = _by_id(first, "first", labels), _by_id(second, "second", labels)
    unknown = [i for i in two if i not in one]
    if unknown:
        raise AnnotationError(f"the second reading has ids the first does not: {', '.join(unknown[:5])}; "
                              "compare readings of the same responses")
    ids = sorted(two)
    if not ids:
        raise AnnotationError("the second reading is empty; nothing to compare")
    a = [one[i]["label"] for i in ids]
    b = [two[i]["label"] for i in ids]
    matrix = [[sum(1 for x, y in zip(a, b) if x == row and y == col) for col in labels] for row in labels]
    origins = {}
    for i, x, y in zip(ids, a, b):
        origins.setdefault(one[i].get("origin", "annotated"), []).append((x, y))
    return {
        "per_origin": {o: {"n": len(p), "agreed": sum(x == y for x, y in p),
                           "kappa": round(cohen_kappa([x for x, _ in p], [y for _, y in p]), 3)}
                       for o, p in sorted(origins.items())},
        "n": len(ids),
        "agreed": sum(x == y for x, y in zip(a, b)),
        "observed": round(sum(x == y for x, y in zip(a, b)) / len(ids), 3),
        "kappa": round(cohen_kappa(a, b), 3),
        "confusion": {"labels": list(labels), "matrix": matrix},
        "disagreements": [{"id": i, "first": one[i]["label"], "second": two[i]["label"],
                           "first_evidence": one[i].get("evidence", ""),
                           "second_evidence": two[i].get("evidence", "")}
                          for i in ids if one[i]["label"] != two[i]["label"]],
    }


def agreement_markdown(result: dict, first_name: str, second_name: str) -> str:
    """The agreement as a short Markdown report."""
    labels = result["confusion"]["labels"]
    lines = ["# Inter-annotator agreement", "",
             f"First reading `{first_name}`, second reading `{second_name}`.", "",
             f"- read twice: {result['n']}",
             f"- agreed: {result['agreed']} ({result['observed']:.1%})",
             f"- Cohen's kappa: {result['kappa']:.3f}", ""]
    if len(result.get("per_origin", {})) > 1:
        lines += ["| first reading's origin | n | agreed | kappa |", "|---|---|---|---|"]
        lines += [f"| {o} | {r['n']} | {r['agreed']} | {r['kappa']:.3f} |" for o, r in result["per_origin"].items()]
        lines.append("")
    lines += ["## Confusion (rows: first reading, columns: second)", "",
              "| first \\ second | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, result["confusion"]["matrix"]):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", "## Disagreements", ""]
    if not result["disagreements"]:
        lines.append("None.")
    for d in result["disagreements"]:
        lines.append(f"- `{d['id']}`: {d['first']} (「{d['first_evidence']}」) vs "
                     f"{d['second']} (「{d['second_evidence']}」)")
    return "\n".join(lines) + "\n"


def write_agreement(result: dict, output, first_name: str, second_name: str) -> list:
    """Write the report as Markdown at ``output`` and as JSON beside it; return both paths."""
    md = Path(output)
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(agreement_markdown(result, first_name, second_name), encoding="utf-8")
    js = md.with_suffix(".json")
    js.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [md, js]
