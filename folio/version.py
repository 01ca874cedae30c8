"""folio's version: part of every cache key, the PDF's producer line and `folio --version`."""

__version__ = "0.1.0"
