"""Rendering: the `Book` -> XHTML, shared by every output.

renderer.py turns the AST into XHTML fragments; context.py gives templates what they
read; templates.py is the Jinja environment of the theme (the book's templates/ first);
pagemarks.py counts letters in that XHTML and puts the print page-list's markers in.
"""
