import json

from .conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "deferral_analysis.ipynb"


def test_deferral_notebook_runs_and_reproduces_the_report():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps([o.get("data", {}) for o in outputs], ensure_ascii=False)
    assert "五所川原市" in text and "image/svg+xml" in text and "image/png" in text
