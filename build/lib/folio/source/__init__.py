"""Reading: a book folder -> the `Book`.

pandoc reads each chapter (read.py, pandoc_ast.py), citations are formatted over the
whole book (cite.py), cross-references numbered (xref.py), images and style sheets
checked (images.py, styles.py), raw HTML sanitised (sanitize.py), and transform.py
makes the complete `Book` (folio/model.py) that every writer reads.
"""
