"""`python -m folio.config`: print docs/book-yaml.md, generated from the schema.

In: nothing. Out: the page, on standard output.
"""

from folio.config import markdown

print(markdown(), end="")
