"""The ``pubcom`` command: parses arguments, calls the package API, and turns the package's
typed errors into a message and an exit code. No logic lives here."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .exceptions import PubcomError


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PubcomError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(1)


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
def read_cmd(document, output, reader):
    """Parse a published results DOCUMENT into a table of opinion / response / category."""
    import pandas as pd

    from .readers import read_document
    from .tables import write_table

    doc = read_document(document, reader)
    for p in doc.problems:
        click.echo(f"warning: {p}", err=True)
    frame = pd.DataFrame([{"number": r.number, "opinion": r.opinion, "response": r.response,
                           "category": r.raw_category} for r in doc.records])
    write_table(frame, output)
    click.echo(f"wrote {output}: {len(frame)} opinions (format {doc.format}"
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
