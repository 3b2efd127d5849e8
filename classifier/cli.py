"""The ``pubcom`` command: parses arguments, calls the package API, and turns the package's
typed errors into a message and an exit code. No logic lives here."""
from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import click

from .exceptions import (EncodingError, HeaderNotFoundError, MissingColumnError, PubcomError,
                         SheetNotFoundError)

_TABLE_COMMANDS = ("predict", "read")


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PubcomError as e:
            hint = flag_hint(e, ctx.invoked_subcommand)
            click.echo(f"Error: {e}" + (f". {hint}" if hint else ""), err=True)
            sys.exit(1)


def flag_hint(error: PubcomError, command: str | None) -> str:
    """The options of ``command`` that fix ``error`` (the library's messages say it in words)."""
    if isinstance(error, MissingColumnError):
        if error.role == "response" and command == "predict":
            return "Name it with --response-column NAME, or use --mode opinion to sort by the opinions alone."
        if error.role in ("opinion", "response") and command in _TABLE_COMMANDS or \
                error.role == "category" and command in ("read", "export-table"):
            return f"Name it with --{error.role}-column NAME."
    if command not in _TABLE_COMMANDS:
        return ""
    if isinstance(error, SheetNotFoundError):
        return "Choose a sheet with --sheet NAME."
    if isinstance(error, HeaderNotFoundError):
        if error.with_table:
            name = error.with_table[0]
            name = shlex.quote(name) if re.search(r"[^\w.-]", name) else name  # Japanese names need no quotes
            return f"Choose the sheet with --sheet {name}."
        more = " (and the sheet with --sheet NAME)" if error.sheets else ""
        return f"Name the header row with --header-row N, its row number in Excel{more}."
    if isinstance(error, EncodingError):
        return f"Name the encoding with {'--input-encoding' if command == 'predict' else '--encoding'} (e.g. cp932)."
    return ""


_header_row = click.option("--header-row", type=click.IntRange(min=1), default=None,
                           help="The header's row number, as Excel numbers rows (default: found by its column names).")
_sheet = click.option("--sheet", default=None, help="The XLSX sheet to read (default: the first).")


@click.group(cls=_Group)
@click.version_option(package_name="pubcom-classifier")
def main():
    """pubcom: sort public-comment opinions (パブリックコメント) by the response they get."""


@main.command()
@click.option("--data-dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="Folder with sources.tsv, raw/ and annotations/.")
@click.option("-o", "--output", default=None, help="Where to write (default DATA_DIR/labeled_opinions.csv).")
@click.option("--check", is_flag=True, help="Do not write; fail if the file on disk differs from a rebuild.")
def ingest(data_dir, output, check):
    """Rebuild the labelled dataset from the documents under DATA_DIR/raw."""
    from .dataset import build_dataset, to_csv_bytes, write_dataset

    result = build_dataset(data_dir)
    for p in result.problems:
        click.echo(f"warning: {p}", err=True)
    out = Path(output or Path(data_dir) / "labeled_opinions.csv")
    if check:
        same = out.exists() and out.read_bytes() == to_csv_bytes(result.frame)
        click.echo(f"{out}: {'up to date' if same else 'differs from a rebuild; run pubcom ingest'}")
        sys.exit(0 if same else 1)
    write_dataset(result.frame, out)
    f = result.frame
    click.echo(f"wrote {out}: {len(f)} opinions, {f['plan'].nunique()} consultations, "
               f"{f['source'].nunique()} bodies")
    table = f.groupby(["source", "plan", "label_origin"]).size().unstack(fill_value=0)
    click.echo(table.to_string())


@main.command("read")
@click.argument("document", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Output .csv (UTF-8 with BOM) or .xlsx.")
@click.option("--reader", default=None, help="Reader name (default: detect).")
@click.option("--opinion-column", default=None, help="For CSV/XLSX/PDF/HTML: the opinion column (default: detect).")
@click.option("--response-column", default=None, help="For CSV/XLSX/PDF/HTML: the response column (default: detect).")
@click.option("--category-column", default=None, help="For CSV/XLSX/PDF/HTML: the category column (default: detect).")
@click.option("--encoding", default=None, help="For CSV/HTML: the encoding (default: detected).")
@_header_row
@_sheet
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="A reader option, as in sources.tsv (e.g. pairing=komaki_pairing.tsv). Repeatable.")
def read_cmd(document, output, reader, opinion_column, response_column, category_column, encoding, header_row,
             sheet, extra):
    """Parse a published results DOCUMENT (text, CSV/XLSX, PDF, HTML) into a table of number /
    opinion / response / category, saying how many opinions it found against the count the
    document states."""
    import pandas as pd

    from .readers import read_document
    from .tables import write_table

    options = {k: v for k, v in {"opinion_column": opinion_column, "response_column": response_column,
                                 "category_column": category_column, "encoding": encoding,
                                 "header_row": header_row, "sheet": sheet}.items() if v}
    for kv in extra:
        if "=" not in kv:
            raise click.BadParameter(f"{kv!r}: expected KEY=VALUE", param_hint="--option")
        options[kv.split("=", 1)[0].strip()] = kv.split("=", 1)[1].strip()
    doc = read_document(document, reader, **options)
    for p in doc.problems:
        click.echo(f"warning: {p}", err=True)
    frame = pd.DataFrame([{"number": r.number, "opinion": r.opinion, "response": r.response,
                           "response_published": r.response_published, "pairing": r.pairing,
                           "category": r.raw_category} for r in doc.records])
    write_table(frame, output)
    click.echo(f"wrote {output}: {doc.count_summary()} (format {doc.format}"
               f"{', scheme ' + doc.scheme if doc.scheme else ''})")


@main.command("rules")
@click.option("--data", default="data/labeled_opinions.csv", show_default=True, type=click.Path(exists=True))
def rules_cmd(data):
    """Score the rule labeler against the official and annotated labels, per source."""
    from .dataset import load_dataset
    from .metrics import markdown_table, scores_by
    from .rules import rule_label

    frame = load_dataset(data)
    frame["rule"] = [rule_label(r)[0] for r in frame["response"]]
    click.echo(markdown_table(scores_by(frame, "rule", ("source", "label_origin"))))


def _say(message):
    click.echo(message, err=True)


@main.command()
@click.option("--data", default="data/labeled_opinions.csv", show_default=True, type=click.Path(exists=True),
              help="The labelled dataset.")
@click.option("--extra", multiple=True, type=click.Path(exists=True),
              help="More labelled CSV/XLSX files (opinion, response, label, label_origin). Repeatable.")
@click.option("--corrections/--no-corrections", default=True, show_default=True,
              help="Also train on staff corrections in data/corrections/.")
@click.option("--models-dir", default=None, help="Where to write models (default: models/).")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["opinion", "response", "request", "precedents"]),
              help="Train only this mode (default all; the precedents index is rebuilt with any mode, or "
                   "alone with --mode precedents).")
@click.option("--grid", "grid_name", default="fast", show_default=True, type=click.Choice(["fast", "full"]),
              help="Configurations to choose from: fast (meets the speed target) or full (slower models).")
@click.option("-j", "--jobs", default=1, show_default=True, help="Parallel jobs for cross-validation.")
def train(data, extra, corrections, models_dir, modes, grid_name, jobs):
    """Train the models (response, opinion, request types) on the labelled data and write
    models/<mode>.skops with its model card."""
    from .model import GRIDS, MODES
    from .predict import default_models_dir
    from .train import train as train_models

    files = _training_files(data, extra, corrections)
    grid = GRIDS[grid_name]
    cards = train_models(files, models_dir or default_models_dir(), modes or tuple(MODES), grid, jobs, _say)
    for mode, card in cards.items():
        if mode == "precedents":
            click.echo(f"precedents: {card['rows']} labelled opinions indexed (TF-IDF {card['vectorizer']}) "
                       f"→ {card['model_file']}")
            continue
        cfg = card["config"]
        if mode == "request":
            click.echo(f"request: {card['rows']} rows, lr C={cfg['C']}, leave-one-source-out macro-F1 "
                       f"{card['cv']['macro_f1_per_opinion']} (optimistic, as above) → {card['model_file']}")
            continue
        click.echo(f"{mode}: {card['rows']} rows, {cfg['classifier']} C={cfg['C']}, leave-one-source-out macro-F1 "
                   f"{card['cv']['macro_f1_per_response']} per response, {card['cv']['macro_f1_per_opinion']} per "
                   f"opinion (configuration chosen on the same split, so optimistic; `pubcom evaluate` gives the "
                   f"nested figures), needs_review below {card['needs_review']['threshold']}, "
                   f"{card['model_bytes'] / 1e6:.1f} MB → {card['model_file']}")


def _training_files(data, extra=(), corrections=True) -> list:
    """The dataset, the guide rows beside it, extra labelled files and staff corrections."""
    from .train import GUIDE_ROWS

    folder = Path(data).parent
    files = [data] + ([str(folder / GUIDE_ROWS)] if (folder / GUIDE_ROWS).exists() else []) + list(extra)
    if corrections:
        files += sorted(str(p) for p in (folder / "corrections").glob("*.csv"))
    return files


@main.command()
@click.option("--data", default="data/labeled_opinions.csv", show_default=True, type=click.Path(exists=True))
@click.option("--extra", multiple=True, type=click.Path(exists=True),
              help="More labelled CSV/XLSX files, as for train. Repeatable.")
@click.option("--corrections/--no-corrections", default=True, show_default=True,
              help="Also use staff corrections in data/corrections/, as train does.")
@click.option("-o", "--output", default="reports/evaluation", show_default=True, help="Output folder.")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["opinion", "response", "request"]))
@click.option("--grid", "grid_name", default="fast", show_default=True, type=click.Choice(["fast", "full"]),
              help="Configurations to choose from inside each fold.")
@click.option("-j", "--jobs", default=2, show_default=True, help="Parallel jobs.")
@click.option("--models-dir", default=None, help="Models whose cards are pointed to this evaluation when they were "
                                               "trained on the same data (default: models/).")
def evaluate(data, extra, corrections, output, modes, grid_name, jobs, models_dir):
    """Cross-validate what `pubcom train` trains (leave-one-source-out, leave-one-plan-out, grouped
    k-fold) with baselines, intervals and calibration; write evaluation.json, evaluation.md and
    reliability plots."""
    import datetime as dt

    from .evalreport import write_evaluation
    from .evaluate import evaluate_mode
    from .model import GRIDS, MODES
    from .persist import sha256_file
    from .train import load_training_data

    files = _training_files(data, extra, corrections)
    frame = load_training_data(files)
    grid = GRIDS[grid_name]
    from .request_model import evaluate_requests

    results = {m: evaluate_mode(frame, m, grid, n_jobs=jobs, progress=_say) if m != "request" else
               evaluate_requests(frame[frame["label_origin"] != "guide"], progress=_say) for m in (modes or tuple(MODES))}
    meta = {"command": f"pubcom evaluate --grid {grid_name}", "date": dt.date.today().isoformat(),
            "data": str(data), "data_sha256": sha256_file(data), "rows": len(frame), "grid_size": len(grid),
            "training_files": {Path(p).name: sha256_file(p) for p in files}}
    written = write_evaluation(results, meta, output)
    for path in written:
        click.echo(f"wrote {path}")
    from .persist import link_evaluation
    from .predict import default_models_dir

    evaluation = next(p for p in written if Path(p).name == "evaluation.json")
    for mode in results:
        if link_evaluation(models_dir or default_models_dir(), mode, evaluation, meta["training_files"]):
            click.echo(f"models/{mode}.json now points to {evaluation} (trained on the same data)")
    for mode, kinds in results.items():
        if mode == "request":
            h = kinds["headline"]["model"]
            click.echo(f"request: loso macro-F1 {h['response']['macro_f1']} per distinct opinion, "
                       f"{h['opinion']['macro_f1']} per row; cue table {kinds['headline']['cue table']['response']['macro_f1']}")
            continue
        click.echo(f"{mode}: " + ", ".join(
            f"{k} macro-F1 {v['headline']['model']['response']['macro_f1']} per response, "
            f"{v['headline']['model']['opinion']['macro_f1']} per opinion" for k, v in kinds.items()))


@main.command()
@click.argument("input", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Output .csv (UTF-8 with BOM) or .xlsx.")
@click.option("--mode", default="response", show_default=True, type=click.Choice(["opinion", "response"]))
@click.option("--encoding", default="utf-8-sig", show_default=True,
              help="Encoding of a CSV output (cp932 for old Excel).")
@click.option("--input-encoding", default=None, help="Encoding of a CSV or HTML input (default: detect).")
@click.option("--opinion-column", default=None, help="Name of the opinion column (default: detect).")
@click.option("--response-column", default=None, help="Name of the response column (default: detect).")
@click.option("--scheme", default=None, help="Also give the category in this scheme (e.g. morioka).")
@click.option("--models-dir", default=None, help="Folder with the trained models (default: models/).")
@click.option("--precedents", default=0, show_default=True, type=click.IntRange(0, 5), metavar="K",
              help="Also the K most similar labelled opinions and how they were answered (precedent_<i>_… "
                   "columns; needs models/precedents.skops from `pubcom train`).")
@_header_row
@_sheet
def predict(input, output, mode, encoding, input_encoding, opinion_column, response_column, scheme, models_dir,
            precedents, header_row, sheet):
    """Suggest a category for every row of INPUT and write OUTPUT. INPUT is a CSV/XLSX table, or a
    published results document (.pdf, .html, .txt): then one row per opinion it holds (No., 意見,
    市の考え方, 公表区分)."""
    from .predict import load_model
    from .readers import read_as_table
    from .csvread import EXCEL_CELL_LIMIT
    from .tablewrite import overlong_cells
    from .tables import check_encoding, write_table

    if Path(output).resolve() == Path(input).resolve() or (Path(output).exists() and os.path.samefile(output, input)):
        raise click.UsageError(f"OUTPUT is the INPUT file ({input}): writing would replace the original. "
                               f"Give another name, e.g. {Path(input).stem}_predicted{Path(output).suffix or '.csv'}")
    if not output.lower().endswith(".xlsx"):
        check_encoding(encoding)
    table = read_as_table(input, input_encoding, opinion_column, response_column, sheet=sheet, header_row=header_row)
    for _, problem in table.attrs.get("problems", []):
        _say(f"warning: {problem}")
    if table.attrs.get("document"):
        _say(f"{input}: {table.attrs['count']} (format {table.attrs['document']})")
        opinion_column = response_column = None  # they named the document's headings
    if not table.attrs.get("document"):
        _say_columns(table.columns, opinion_column, response_column, mode)
    model = load_model(mode, models_dir)
    if precedents:
        model.precedent_index()  # a missing index fails here, before any work
    out = model.predict_table(table, opinion_column, response_column, scheme, progress=True, precedents=precedents)
    for old, new in out.attrs.get("renamed", {}).items():
        _say(f"warning: input column {old!r} is written as {new!r}: pubcom adds a column of that name")
    if output.lower().endswith(".xlsx"):
        long = overlong_cells(out)
        if long:
            _say(f"warning: {len(long)} cell(s) longer than the {EXCEL_CELL_LIMIT:,} characters an Excel cell holds "
                 f"(first: row {long[0][0]}, column {long[0][1]!r}); the .xlsx keeps only their first {EXCEL_CELL_LIMIT:,}. "
                 "Write .csv to keep "
                 "them whole")
    write_table(out, output, encoding=encoding)
    errors = int((out["error"] != "").sum())
    click.echo(f"wrote {output}: {len(out)} rows, {int(out['needs_review'].sum())} need review, "
               f"{errors} with an error")


def _say_columns(columns, opinion_column, response_column, mode) -> None:
    """Say which columns ``mode`` reads (the opinion; in response mode the response too), and warn
    when another column could be one (the first match wins: an exact heading such as 対応 before
    意見に対する市の考え方)."""
    from .tables import column_candidates, find_column

    used = {}
    roles = (("opinion", opinion_column, "--opinion-column"), ("response", response_column, "--response-column"))
    for role, given, flag in roles if mode == "response" else roles[:1]:
        col = find_column(columns, role, given, required=False)
        if col is None:
            continue
        used[role] = col
        others = [c for c in column_candidates(columns, role) if c != col and c not in used.values()]
        if others and given is None:
            _say(f"warning: the {role} is read from column {col!r}, but {', '.join(map(repr, others))} could be it too; "
                 f"if so, name it with {flag}")
    if used.get("opinion") is not None and used.get("opinion") == used.get("response"):
        raise click.UsageError(f"column {used['opinion']!r} is named as both the opinion and the response; "
                               "name two different columns")
    _say("columns read: " + ", ".join(f"{role} = {col!r}" for role, col in used.items()))


@main.command()
@click.option("-i", "--input", "inputs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Results files (CSV/XLSX; labelled, predicted, or unlabelled to predict). "
                   "Default: the labelled dataset of this checkout (data/labeled_opinions.csv). Repeatable.")
@click.option("-o", "--output", required=True, help="Output folder.")
@click.option("--evaluation", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Evaluation whose leave-one-source-out check decides how predicted shares are estimated (default: the one "
                   "the model card names, else reports/evaluation/evaluation.json beside the models folder).")
@click.option("--models-dir", default=None, help="Models that predict files without labels (default: models/).")
def report(inputs, output, evaluation, models_dir):
    """Deferral share (今後検討) per source and plan, and request types per source and how each is
    answered: report.html, report.md, deferral.csv, request_types.csv, request_answers.csv."""
    from .reportwrite import (DEFAULT_DATASET, build_report, build_request_tables, load_results, summary_line,
                              write_report)

    inputs = inputs or (str(DEFAULT_DATASET),)
    frame = load_results(inputs, models_dir, _say)
    table = build_report(frame, evaluation, models_dir, _say)
    for path in write_report(table, output, inputs, build_request_tables(frame)):
        click.echo(f"wrote {path}")
    for row in table.itertuples():
        click.echo(summary_line(row))


@main.command("export-table")
@click.argument("input", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Output .txt (published layout), .xlsx or .csv.")
@click.option("--scheme", required=True, help="The city's scheme (see `pubcom schemes`).")
@click.option("--title", default="", help="A title line for the .txt output.")
@click.option("--category-column", default=None, help="Column with the city's own categories.")
def export_table_cmd(input, output, scheme, title, category_column):
    """The results table in a city's own scheme: count table, legend, each opinion with 【category】.
    INPUT has opinion and response columns and either the city's categories or a label column
    (e.g. the output of `pubcom predict`)."""
    from .export import export_table

    path = export_table(input, output, scheme, title, category_column)
    click.echo(f"wrote {path}")


@main.command()
@click.option("--data-dir", default="data", show_default=True)
@click.option("--models-dir", default=None)
def corrections(data_dir, models_dir):
    """How many staff corrections wait for retraining (`pubcom train` uses them)."""
    from .corrections import pending, read_corrections
    from .predict import default_models_dir

    folder = Path(data_dir) / "corrections"
    total = len(read_corrections(folder))
    waiting = pending(folder, models_dir or default_models_dir())
    click.echo(f"{total} corrections in force in {folder} (withdrawn ones left out); {waiting} change(s) since "
               f"the models were trained (run `pubcom train` to use them)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every address; the page has no login).")
@click.option("--port", default=8765, show_default=True, help="Port (0: any free port).")
@click.option("--data-dir", default="data", show_default=True, help="Corrections go to DATA_DIR/corrections/.")
@click.option("--models-dir", default=None)
def serve(host, port, data_dir, models_dir):
    """Start the local page for staff: upload, see suggestions, correct, download."""
    from .web import serve as run

    def ready(urls):
        click.echo("pubcom の画面を開くアドレス / open the page at:")
        for url in urls:
            click.echo(f"  {url}")
        click.echo("止めるには Ctrl+C / Ctrl+C to stop")

    run(host, port, data_dir, models_dir, ready=ready, warn=lambda text: click.echo(text, err=True))


@main.command()
@click.argument("first", type=click.Path(exists=True, dir_okay=False))
@click.argument("second", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", default=None, help="Also write the report here (.md; a .json beside it).")
def agreement(first, second, output):
    """Agreement of two independent readings of the same responses. Each is an annotation file
    (id,label,evidence,note) or FIRST is the labelled dataset (its official and annotated rows)."""
    from .agreement import agreement as compare, agreement_markdown, read_reading, write_agreement

    result = compare(read_reading(first), read_reading(second))
    click.echo(agreement_markdown(result, first, second), nl=False)
    if output:
        for path in write_agreement(result, output, first, second):
            click.echo(f"wrote {path}", err=True)

@main.command()
def schemes():
    """List the registered category schemes and how they map to the five labels."""
    from .schemes import load_schemes

    for scheme in load_schemes().values():
        click.echo(scheme.name)
        for raw, label in scheme.labels.items():
            click.echo(f"  {raw}\t→ {label}\t{scheme.legends[raw]}")


if __name__ == "__main__":
    main()
