"""A publisher's catalogue: many books built on a Dask cluster, with the outputs of `folio build`.

In: catalogue.yaml (`spec.py`: the book folders, a house theme, profiles, formats, the output
root). Out: each book's outputs in the output root, exactly as `folio build` of that book
alone writes them, and catalogue-report.json / .html (`report.py`).

The client (`run.py`) fingerprints every book (`state.py`: a book whose inputs did not change
since the last catalogue build is not built again), submits one Dask task per book and PDF
profile to an embedded `LocalCluster` or an existing scheduler, writes each finished book's
outputs atomically as its task returns them, and writes the report. A task (`task.py`) runs on
a Dask worker: it builds its book in a child process (`child.py`, a `folio build` of its own),
so that a timeout or a memory limit stops that book alone, and returns the outputs' bytes.
"""
