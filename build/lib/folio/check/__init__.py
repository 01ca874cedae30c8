"""Checks: a book or its outputs -> findings.

lint.py is `folio check` and `folio stats` (the manuscript); validators.py runs
EPUBCheck and Ace by DAISY on an EPUB; preflight.py checks a PDF against a print
service's rules; proof.py is `folio proof`'s layout report and contact sheets.
"""
