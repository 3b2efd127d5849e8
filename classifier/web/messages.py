"""What a clerk reads: Japanese first (English may follow), never a command-line flag.

The library's errors are written for the command line, in English, and may name flags
(``--opinion-column``); here each kind gets a Japanese explanation and the English detail follows
with every sentence that names a flag or a command left out.
"""
from __future__ import annotations

import datetime as dt
import re

from ..exceptions import (CorrectionError, DocumentFormatError, MissingColumnError, ModelError,
                          NotAResultsDocumentError, PubcomError, SchemeError, TableReadError)
from ..labels import LABELS_JA
from ..metrics import share as percent
from ..requests import REQUEST_TYPES_JA

JST = dt.timezone(dt.timedelta(hours=9), "JST")
MODES_JA = {"response": "意見と回答から推定", "opinion": "意見のみから推定"}



def _percent(x: float) -> str:
    """A share as the page writes it in Japanese text: metrics.share, a space before the %."""
    return percent(x).replace("%", " %")


def opinion_caveat(card: dict) -> str:
    """What a clerk must know of a suggestion made from the opinion alone: how many rows it can
    label at 70 % and 80 % precision on a body it was not trained on (the model card's
    leave-one-source-out ``coverage_at_precision``), or that this was not measured."""
    head = ("意見だけからの推定は参考です。回答の区分は、意見の内容を行政がどう考えるかで決まり、"
            "意見そのものには書かれていません。")
    reach = card.get("coverage_at_precision") or {}
    if "70%" not in reach or "80%" not in reach:
        return head + "このモデルでは、どれだけの行を正しく区分できるかが評価されていません。"
    def share(key):
        return _percent(reach[key])
    return (head + f"学習していない団体で評価すると、確信度の高い順に 70 % の精度で区分できるのは全体の "
            f"{share('70%')}、80 % の精度では {share('80%')} の行です。要確認の印のない行だけを参考にしてください。"
            f" / Suggestions from the opinion alone: at 70 % precision it can label {share('70%')} of rows, "
            f"at 80 % precision {share('80%')}.")


def request_caveat(card: dict) -> str:
    """What a clerk must know of the request types shown: they are read off the cue table, and how
    far their confidence can be trusted on a body the model was not trained on (the request-type
    model card's review threshold)."""
    head = "意見の種類は、言い回しの手がかりの表から推定したものです。"
    review = card.get("needs_review") or {}
    target = _percent(review.get("target", 0.9))
    if review.get("precision_rest") is None:
        return (head + f"学習していない団体で評価すると、どの確信度でも {target} の精度に届きません。"
                "一件ずつ確かめてください。同じ手がかりの意見は同じ確信度になります。"
                f" / Request types: no confidence reaches {target} precision on an unseen body; check each one.")
    return (head + f"確信度 {review['threshold']} 未満の行は確かめてください（学習していない団体で、それ以上の行は "
            f"{target} の精度）。 / Request types below confidence {review['threshold']} need checking.")


# errors of the table readers, by class name (explained before the general cases below)
_BY_NAME = {
    "TableTooLargeError": "ファイルが大きすぎます（行数か、Excel ファイルを展開した大きさが上限を超えています）。"
                          "表の下や横の使っていない行・列を削除するか、表を分けてください。",
    "HeaderNotFoundError": "見出しの行（「意見」「市の考え方」などの列名）が見つかりません。表の見出しの行を確かめてください。",
    "SheetNotFoundError": "指定のシートが見つかりません。",
    "StrayQuoteError": "CSV の中に閉じていない引用符（\"）があり、それより後の行を正しく区切れません。"
                       "その行の引用符を直すか、Excel (.xlsx) で保存してください。",
    "EncodingError": "文字コードを判別できません。UTF-8 の CSV か Excel (.xlsx) で保存してください。",
    "UnsupportedFormatError": "この形式のファイルは読めません。Excel の「名前を付けて保存」で .xlsx か CSV UTF-8 にしてください。",
}

# (exception class, words in the English message, Japanese explanation); the first match wins
_EXPLAINED = [
    (MissingColumnError, "no opinion column", "意見の列が見つかりません。1行目の見出しを「意見」「ご意見」「意見の概要」などにしてください。"),
    (MissingColumnError, "", "必要な列が見つかりません。見出しの名前を確かめてください。"),
    (TableReadError, "binary data", "表として読めないファイルです（CSV ではなく別の種類のデータです）。CSV か Excel (.xlsx) を選んでください。"),
    (TableReadError, "XLSX/ZIP", "Excel ファイルのようです。拡張子を .xlsx にして選んでください。"),
    (TableReadError, "not a readable XLSX", "Excel (.xlsx) ファイルとして読めません。Excel で開けるか確かめ、.xlsx で保存し直してください。"),
    (TableReadError, ".xls", "古い Excel 形式 (.xls) は読めません。Excel で「名前を付けて保存」から .xlsx で保存してください。"),
    (TableReadError, "not UTF-8 or CP932", "文字コードを判別できません。UTF-8 の CSV か Excel (.xlsx) で保存してください。"),
    (TableReadError, "empty file", "ファイルが空です。"),
    (TableReadError, "not a table", "表として読めません。1行目に「意見」「市の考え方」などの見出しがある表にしてください。"),
    (TableReadError, "", "ファイルを表として読めませんでした。"),
    (NotAResultsDocumentError, "", "パブリックコメントの意見と回答の一覧ではないようです。"),
    (DocumentFormatError, "", "公表資料の書式を読み取れませんでした。"),
    (SchemeError, "", "区分の種類が登録されていません。"),
    (ModelError, "", "推定に使うモデルを読み込めません。管理者にモデルの再学習を依頼してください。"),
    (CorrectionError, "already withdrawn", "この修正はすでに取り消されています。"),
    (CorrectionError, "", "その修正は見つかりません。"),
    (PubcomError, "", "入力を処理できませんでした。"),
]

TOO_LARGE = "ファイルが大きすぎます（上限 {mb} MB）。ファイルを分けて1つずつアップロードしてください。 / The file is larger than {mb} MB."
BROKEN = ("入力の処理中に問題が起きました。意見の列がある CSV か Excel の表か確かめてください。 / "
          "Something went wrong while reading this input.")
NOTHING = "CSV か Excel のファイルを選ぶか、意見を貼り付けてください（1行に1件）。 / Choose a file, or paste opinions (one per line)."
NOT_FOUND = "このページは見つかりません。結果は最近の {n} 件だけ保存されます。もう一度アップロードしてください。 / Not found."
STILL_PREDICTING = "まだ推定中です。終わってからもう一度お試しください。 / Still predicting."
STALE = ("表示した後に内容が変わりました。ページを再読み込みして、もう一度確かめてから修正してください。 / "
         "The rows changed since they were shown; reload the page.")
NOT_CORRECTABLE = "空の行・推定のない行は修正できません。 / Blank rows and rows without a suggestion cannot be corrected."
BAD_REQUEST = "要求の内容が正しくありません。ページを再読み込みしてください。 / Bad request."


def explain(error: Exception) -> str:
    """A clerk's message for one of the library's errors: Japanese, then the English detail."""
    text = str(error)
    detail = without_flags(text)
    names = [k.__name__ for k in type(error).__mro__]
    japanese = next((_BY_NAME[n] for n in names if n in _BY_NAME), None)
    if japanese is None:
        japanese = next((j for kind, words, j in _EXPLAINED if isinstance(error, kind) and words in text), None)
    if japanese is None:
        return detail
    sheets, with_table = getattr(error, "sheets", None), getattr(error, "with_table", ())
    if with_table:  # the first sheet has no table, another has: say which (the page reads the first)
        japanese = (f"先頭のシート「{sheets[0]}」に表がありません。表は「{'」「'.join(map(str, with_table))}」の"
                    "シートにあります。そのシートを先頭にして保存してから、もう一度アップロードしてください。")
    elif sheets:
        japanese += f" このファイルのシート: {'、'.join(map(str, sheets))}（表のあるシートを先頭にして保存してください）。"
    return f"{japanese}\n（詳細 / details: {detail}）" if detail else japanese


def without_flags(text: str) -> str:
    """``text`` without the sentences that name a command-line flag or a command (`pubcom …`)."""
    parts = re.split(r"(?<=[.;。])\s+", str(text).strip())
    kept = [p for p in parts if not re.search(r"(^|[\s(`'\"])--?[a-z]|`|\bpubcom\s", p)]
    return " ".join(kept).strip().rstrip(";").strip()


def cell_error(error: str) -> str:
    """A row's ``error`` (empty opinion (意見), …) in Japanese."""
    m = re.fullmatch(r"empty (opinion|response) \((.*)\)", error or "")
    if m:
        what = "意見" if m.group(1) == "opinion" else "回答"
        return f"{what}が空のため推定していません（列「{m.group(2)}」）"
    return error or ""


def jst(iso) -> str:
    """An ISO time (as stored, UTC) as 2026-12-03 17:25 JST; "" when unreadable."""
    try:
        when = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


_FUNCTION = {"し", "せ", "まし", "する", "ます", "です", "でし", "れる", "られる", "せる", "させる", "いる", "ある",
             "なる", "おる", "いただく", "頂く", "致す", "いたす", "為る", "居る", "有る", "成る"}


def _ja(label: str) -> str:
    return LABELS_JA.get(label, "判定なし" if label == "none" else label)


def evidence(top_terms) -> list:
    """The model's top terms as a clerk can read them: words and phrases of the texts first, as
    they are; then the rule labeler's readings and what the opinion asks, in Japanese. Bare
    function tokens (し, せ, まし, する …), crossed features and "asks nothing in particular" are
    left out."""
    words, readings = [], []
    for term in str(top_terms or "").split(" / "):
        term = term.strip()
        if not term or "×" in term or term == "ask:other":
            continue
        shown = _describe(term)
        if shown and shown not in words + readings:
            (words if shown == term else readings).append(shown)
    return words + readings


def _describe(term: str) -> str:
    if term == "no rule matched":
        return "定型の表現なし"
    m = re.fullmatch(r"(rule|any|last)→(\w+)", term)
    if m:
        where = {"rule": "表現の判定", "any": "文中の表現", "last": "結びの文"}[m.group(1)]
        return f"{where}: {_ja(m.group(2))}"
    m = re.fullmatch(r"rule:\d+:(\w+)", term)
    if m:
        return f"定型の表現: {_ja(m.group(1))}"
    m = re.fullmatch(r"ask:(\w+)(?:×(last:)?(\w+))?", term)
    if m:
        ask = f"意見の種類: {REQUEST_TYPES_JA.get(m.group(1), m.group(1))}"
        if m.group(3) is None:
            return ask
        return f"{ask} × {'結びの文' if m.group(2) else '回答'}: {_ja(m.group(3))}"
    bare = term.lstrip("〜")
    if bare in _FUNCTION or (len(bare) <= 2 and all("\u3040" <= ch <= "\u309f" for ch in bare)):
        return ""
    return term


def highlightable(top_terms) -> list:
    """The terms that are words of the texts (to mark in them)."""
    return [t.lstrip("〜") for t in str(top_terms or "").split(" / ")
            if t and _describe(t.strip()) == t.strip() and len(t.strip().lstrip("〜")) >= 2]
