"""Executes every notebook in this directory headless (nbclient) and fails if any cell raises.

Run by scripts/test-all with the repository's virtualenv, where the `hms` package is installed:

    .venv/bin/python examples/notebooks/execute.py

Outputs are not written back: the notebooks stay as committed (without outputs).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def main() -> int:
    notebooks = sorted(HERE.glob("*.ipynb"))
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        # The kernel listens on the loopback interface only (jupyter_client's default).
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
        )
        started = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as e:
            failed += 1
            print(f"FAILED {path.name}:\n{e}", file=sys.stderr)
            continue
        cells = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"ok {path.name}: {cells} code cells in {time.perf_counter() - started:.1f}s")
    print(f"notebooks: {len(notebooks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
