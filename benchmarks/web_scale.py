"""The staff page at scale, in a real browser (Debian's Chromium driven by Playwright): figures
printed, never asserted (tests/test_e2e_browser.py runs the same flow small).

A 20,000-row XLSX as offices keep it (番号, ご意見, 市の考え方; 70 % copies of 40 form letters,
30 % distinct opinions, as in predict_speed.py) is uploaded to `pubcom serve` running in its own
process with the shipped models. Measured:

- upload → first page shown (100 rows), and → every row predicted (the page's progress done);
- the server's own split: read (+ group keys), first page predicted, all predicted;
- one correction's round trip (click → the row replaced on the page, no reload), median and
  worst of 10; an undo; the next page; the grouped view and a group correction after its
  confirmation.

Targets (issue 13): shown in < 10 s, a correction round trip < 0.5 s.

Usage: python benchmarks/web_scale.py [--rows 20000] [--format xlsx|csv] [--distinct 0.3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# click a correction button of a row and resolve when the page has replaced that row (in ms)
ROUND_TRIP = """async ([rowId, selector, done]) => {
  const t0 = performance.now();
  document.querySelector('#' + rowId + ' ' + selector).click();
  await new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const tr = document.getElementById(rowId);
      if (tr && (done.startsWith('!') ? !tr.querySelector(done.slice(1)) : tr.querySelector(done))) {
        observer.disconnect(); resolve();
      }
    });
    observer.observe(document.querySelector('#results tbody'), {childList: true, subtree: true});
  });
  return performance.now() - t0;
}"""


def make_file(rows: int, fmt: str, distinct: float, folder: Path) -> Path:
    import random

    import pandas as pd

    from classifier.tables import write_table
    from predict_speed import distinct_texts

    rng = random.Random(1)
    letters = distinct_texts(40, seed=99)
    unique = distinct_texts(int(rows * distinct), seed=1)
    data = unique + [letters[rng.randrange(40)] for _ in range(rows - len(unique))]
    rng.shuffle(data)
    frame = pd.DataFrame(data, columns=["ご意見", "市の考え方"])
    frame.insert(0, "番号", [str(i) for i in range(1, rows + 1)])
    return write_table(frame, folder / f"opinions_{rows}.{fmt}")


def start_server(data_dir: Path):
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "classifier.cli", "serve", "--port", "0", "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    for line in proc.stdout:
        if line.strip().startswith("http://"):
            return proc, line.strip().rstrip("/")
    raise SystemExit("the server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--format", default="xlsx", choices=["xlsx", "csv"])
    ap.add_argument("--distinct", type=float, default=0.3, help="share of distinct opinions (the rest: 40 form letters)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="web_scale_"))
    path = make_file(args.rows, args.format, args.distinct, tmp)
    print(f"{path.name}: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB, {args.distinct:.0%} distinct opinions")
    proc, url = start_server(tmp / "data")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "/")
            page.set_input_files("input[name=file]", str(path))
            t0 = time.perf_counter()
            page.click("#sort-button")
            page.locator("table.results tbody tr").nth(99).wait_for(timeout=120_000)
            shown = time.perf_counter() - t0
            page.locator("#progress-done").wait_for(state="visible", timeout=600_000)
            every = time.perf_counter() - t0
            token = page.url.rstrip("/").rsplit("/", 1)[1]
            timings = page.evaluate(f"fetch('/results/{token}/status').then(r => r.json())")["timings"]
            t = time.perf_counter()
            page.click("#progress-done")
            page.locator("table.results tbody tr").nth(99).wait_for()
            review_first = time.perf_counter() - t
            rows = page.locator("table.results tbody tr[data-row]").evaluate_all("rs => rs.map(r => r.id)")
            trips = []
            for row_id in rows[:10]:
                current = page.locator(f"#{row_id} form.correct button.current").get_attribute("value")
                other = next(l for l in ("other", "deferred") if l != current)
                trips.append(page.evaluate(ROUND_TRIP, [row_id, f"form.correct button[value={other}]", ".fixed"]))
            undo = page.evaluate(ROUND_TRIP, [rows[0], "form.withdraw button", "!.fixed"])
            t = time.perf_counter()
            page.locator(".pager a.next").first.click()
            page.locator("table.results tbody tr").nth(99).wait_for()
            page.wait_for_load_state()
            next_page = time.perf_counter() - t
            t = time.perf_counter()
            page.goto(f"{url}/results/{token}?group=1&sort=count")
            page.locator("table.results tbody tr").first.wait_for()
            grouped = time.perf_counter() - t
            first = page.locator("table.results tbody tr").first
            size = int(first.locator(".count").inner_text().lstrip("×"))
            row_id = first.get_attribute("id")
            page.locator(f"#{row_id} form.correct button[value=adopted]").click()
            page.locator(f"#{row_id} .confirm button.apply").wait_for()
            group_trip = page.evaluate(ROUND_TRIP, [row_id, ".confirm button.apply", ".fixed"])
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"upload → first page shown:            {shown:6.2f} s   (target < 10 s)")
    print(f"upload → every row predicted:         {every:6.2f} s")
    print(f"  server: file read {timings.get('read_s')} s, first page predicted at {timings.get('first_s')} s, "
          f"all at {timings.get('all_s')} s")
    print(f"review-first page once done:          {review_first:6.2f} s")
    print(f"correction round trip (10 clicks):    median {statistics.median(trips):.0f} ms, worst {max(trips):.0f} ms "
          f"(target < 500 ms)")
    print(f"undo round trip:                      {undo:.0f} ms")
    print(f"next page:                            {next_page:6.2f} s")
    print(f"grouped view (largest group first):   {grouped:6.2f} s")
    print(f"group correction of {size} rows (after its confirmation): {group_trip:.0f} ms")


if __name__ == "__main__":
    main()
