"""Writers: the `Book` -> one output format each (pdf, epub, html). They never change the Book."""
