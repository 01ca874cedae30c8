"""`python build.py`: build the sample book in book/ into dist/ (PDF and EPUB)."""

import sys
from pathlib import Path

from folio.cli import main

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.exit(main(["build", str(here / "book"), "-o", str(here / "dist"), *sys.argv[1:]]))
