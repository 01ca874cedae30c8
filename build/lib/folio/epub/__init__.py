"""The EPUB 3: the `Book` (and the PDF's page map) -> an EPUB, packaged with EbookLib."""
