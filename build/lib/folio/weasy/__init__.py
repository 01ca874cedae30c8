"""The layout engine: WeasyPrint, run in folio's layout workers.

The only package that imports WeasyPrint's internals. jobs.py is what crosses to and
from a worker (plain data); worker.py lays a job out; flow.py lays the notes out as a
flow that resumes; boxes.py reads the laid-out pages; fetcher.py is what WeasyPrint
may read; speedups.py and hyphens.py patch WeasyPrint, and patches.py holds every
patch and read of internals in one table, each behind a probe, installed only in the
workers (warm.py, the workers' forkserver).
"""
