"""The print PDF: the `Book` and a profile -> a PDF and its page map.

document.py renders the print HTML; writer.py lays it out as one document, parts.py in
parts (cached), both through jobs for the layout workers (pool.py, folio/weasy/);
merge.py joins the parts; profiles.py holds the print profiles and page geometry. No
module here touches WeasyPrint's internals: folio/weasy/ does.
"""
