"""``pubcom export-table``: the published results table in a city's own scheme, like seed 000 —
the count table, the legend, then each opinion with its response ending in 【category】."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .exceptions import ExportError, MissingColumnError
from .labels import LABELS
from .schemes import Scheme, get_scheme
from .tables import find_column, read_table, unguard_cell, write_table


def categorize(table: pd.DataFrame, scheme: Scheme, category_column=None) -> pd.Series:
    """Each row's category in ``scheme``: a staff correction (``corrected_label``, from the staff
    page's download) first, else the row's own category (checked against the scheme), else its
    normalized ``label`` mapped to the scheme. A row with none is an ExportError naming its line
    (and the ``error`` that ``pubcom predict`` gave it)."""
    cat = find_column(table.columns, "category", category_column, required=False)
    if cat is None and "label" not in table.columns and "corrected_label" not in table.columns:
        raise MissingColumnError(
            f"no category or label column: columns found: {', '.join(map(str, table.columns))}; "
            "predict labels first (pubcom predict) or give --category-column")

    def column(name):
        return table[name].astype(str).str.strip() if name in table.columns else pd.Series("", index=table.index)

    own = column(cat)
    corrected, label = column("corrected_label"), column("label")
    label = corrected.where(corrected != "", label)
    own = own.where(corrected == "", "")  # a staff correction beats the category predicted before it
    missing = (own == "") & (label == "")
    if missing.any():
        error = column("error")
        where = "; ".join(f"row {line}" + (f" ({error[line]})" if error[line] else "")
                          for line in table.index[missing][:10])
        more = f" and {int(missing.sum()) - 10} more" if missing.sum() > 10 else ""
        fix = (f"Give them a category in the {cat} column" if cat else
               f"Give them a label ({', '.join(LABELS)}) in the corrected_label or label column")
        raise ExportError(
            f"{int(missing.sum())} row(s) have no category and no label: {where}{more} (rows as Excel "
            f"numbers them; the header is row 1). {fix}, or remove them, then export again.")
    own[own != ""].map(scheme.label_of)  # raises UnknownCategoryError on a category outside the scheme
    return own.where(own != "", label.map(lambda l: scheme.raw_for(l) if l else ""))


def results_text(table: pd.DataFrame, scheme: Scheme, categories: pd.Series, title: str = "") -> str:
    op = find_column(table.columns, "opinion")
    resp = find_column(table.columns, "response")
    counts = {raw: int((categories == raw).sum()) for raw in scheme.labels}
    lines = []
    if title:
        lines += [title, ""]
    lines += [f"{len(table)}件の意見をいただきました。その反映状況は次のとおりです。", "",
              "\t".join([*counts, "合計"]), "\t".join([*(f"{n}件" for n in counts.values()), f"{len(table)}件"]), ""]
    for raw in scheme.labels:
        lines += [f"「{raw}」・・・{scheme.legends[raw]}", ""]
    lines += ["提出された意見\t市の考え方"]
    for o, r, c in zip(table[op], table[resp], categories):
        lines.append(f"<p>{_one_line(o)}</p>\t<p>{_one_line(r)}</p> <p>【{c}】</p>")
    return "\n".join(lines) + "\n"


def _one_line(text) -> str:
    return " ".join(str(text).split())


def export_table(path, output, scheme_name: str, title: str = "", category_column=None) -> Path:
    """Write the results table of ``path`` in ``scheme_name``: .txt (the published layout, which
    ``pubcom read`` reads back), .xlsx (a count-and-legend sheet and a rows sheet) or .csv (rows).
    The apostrophe a CSV's formula guard put before a cell is dropped; a .csv output gets its own."""
    scheme = get_scheme(scheme_name)
    table = read_table(path).map(unguard_cell)  # a CSV download's guard is not part of the text
    op, resp = find_column(table.columns, "opinion"), find_column(table.columns, "response")
    table = table[(table[op].str.strip() != "") | (table[resp].str.strip() != "")]  # blank rows
    categories = categorize(table, scheme, category_column)
    table, categories = table.reset_index(drop=True), categories.reset_index(drop=True)
    output = Path(output)
    if output.suffix.lower() in (".csv", ".xlsx"):
        rows = pd.DataFrame({"No.": range(1, len(table) + 1), "提出された意見": table[op],
                             "市の考え方": table[resp], "区分": categories})
        if output.suffix.lower() == ".csv":
            return write_table(rows, output)
        counts = pd.DataFrame({"区分": [*scheme.labels, "合計"],
                               "件数": [int((categories == c).sum()) for c in scheme.labels] + [len(table)],
                               "説明": [*scheme.legends.values(), ""]})
        return write_table({"反映状況": counts, "意見と市の考え方": rows}, output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(results_text(table, scheme, categories, title), encoding="utf-8")
    return output
