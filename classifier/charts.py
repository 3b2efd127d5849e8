"""Charts for reports, as SVG with real text (so Japanese renders with the viewer's fonts and the
chart can be embedded in a self-contained HTML page)."""
from __future__ import annotations

import io
import math

import pandas as pd

from .labels import LABELS, LABELS_JA

COLORS = {"adopted": "#2e7d32", "covered": "#1565c0", "deferred": "#f9a825", "rejected": "#c62828",
          "other": "#9e9e9e"}


CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "VL Gothic")


def _figure(width, height):
    """A matplotlib Figure made without pyplot, so no global backend is changed (a notebook
    keeps its inline plots)."""
    import warnings

    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.fonttype"] = "none"  # keep text as text: the viewer's fonts render Japanese
    matplotlib.rcParams["svg.hashsalt"] = "pubcom"  # stable element ids: same data, same file
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in CJK_FONTS if f in installed]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = cjk + ["DejaVu Sans"]
    if not cjk:  # text stays text in the SVG; only matplotlib's width estimate lacks the glyphs
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _names(table: pd.DataFrame) -> list:
    return [f"{s} / {p}" if table["source"].tolist().count(s) > 1 else s
            for s, p in zip(table["source"], table["plan"])]


def _stacked_svg(names: list, shares, legend, xlabel: str, title: str) -> str:
    """Stacked horizontal bars of the five labels' shares: ``shares(label)`` gives one value per
    name (NaN counts as 0), ``legend(label)`` its legend entry."""
    fig, ax = _figure(8, 0.5 * len(names) + 1.4)
    left = [0.0] * len(names)
    for label in LABELS:
        values = [0 if math.isnan(v) else v for v in shares(label)]
        ax.barh(names, values, left=left, color=COLORS[label], label=legend(label))
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.set_title(title)
    return _svg(fig)


def label_shares_svg(table: pd.DataFrame) -> str:
    """Stacked horizontal bars: share of each label per source and plan."""
    return _stacked_svg(_names(table), lambda label: table[f"share_{label}"],
                        lambda label: f"{label} {LABELS_JA[label]}", "share of opinions", "Label shares per source")


# Bars of the deferral chart: how the share was counted, its colour and its legend.
KINDS = {"labelled": (COLORS["deferred"], "labelled: counted as read"),
         "adjusted": ("#8d6e63", "predicted: corrected for the model's errors"),
         "raw": ("#d7ccc8", "predicted: raw share"),
         "none": ("#ffffff", "predicted: not estimated (the model cannot tell deferred answers)")}


def _kind(method: str) -> str:
    if method.startswith("labelled"):
        return "labelled"
    if "not estimated" in method:
        return "none"
    return "raw" if "raw share" in method else "adjusted"


def deferral_svg(table: pd.DataFrame) -> str:
    """Deferral share per source and plan with its 95 % interval."""
    names = _names(table)
    fig, ax = _figure(8, 0.5 * len(table) + 1.2)
    ys = list(range(len(table)))
    shares = table["share"].fillna(0).tolist()
    lows = [s - l if not math.isnan(l) else 0 for s, l in zip(shares, table["ci_low"])]
    highs = [h - s if not math.isnan(h) else 0 for s, h in zip(shares, table["ci_high"])]
    kinds = [_kind(m) for m in table["method"]]
    ax.barh(ys, shares, color=[KINDS[k][0] for k in kinds])
    shown = [k != "none" for k in kinds]  # no interval to draw for a share not estimated
    ax.errorbar([v for v, s in zip(shares, shown) if s], [y for y, s in zip(ys, shown) if s],
                xerr=[[v for v, s in zip(lows, shown) if s], [v for v, s in zip(highs, shown) if s]],
                fmt="none", ecolor="black", capsize=4)
    for y, kind in zip(ys, kinds):
        if kind == "none":
            ax.text(0.01, y, "not estimated", va="center", fontsize=8, color="#555555")
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor=KINDS[k][0], edgecolor="#999999", label=KINDS[k][1]) for k in KINDS if k in kinds],
              loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.2 / max(1, len(table))), ncol=3, fontsize=8,
              frameon=False)
    ax.set_xlabel("deferral share (deferred / opinions), 95 % interval")
    ax.set_title("How often is an opinion deferred (今後検討)?")
    return _svg(fig)


def request_labels_svg(shares: pd.DataFrame) -> str:
    """Stacked horizontal bars: share of each response label per body and request type;
    ``shares`` as requesttable.label_shares_by_request_type gives it."""
    from .requests import REQUEST_TYPES_JA

    names = [f"{source} · {REQUEST_TYPES_JA[t]} ({t}, n={n})" for (source, t), n in zip(shares.index, shares["n"])]
    return _stacked_svg(names, lambda label: shares[label], lambda label: f"{LABELS_JA[label]} {label}",
                        "回答の区分の割合 / share of opinions",
                        "団体・意見の種類ごとの回答の区分 / labels per body and request type")
