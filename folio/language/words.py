"""The book's own words and typography per language.

In: a BCP 47 language tag (book.yaml's `lang`). Out: the labels folio writes itself
("Contents", "Notes", "Chapter", ...) and the quotation marks of that language, with
English for a language folio does not know yet.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {"contents": "Contents", "notes": "Notes", "chapter": "Chapter", "translated_by": "Translated by",
           "edited_by": "Edited by", "illustrated_by": "Illustrated by", "cover": "Cover", "title_page": "Title Page",
           "copyright": "Copyright", "start": "Start of text", "back_to_text": "Back to text", "note": "Note",
           "notes_to": "Notes to", "figures": "List of Illustrations", "landmarks": "Landmarks", "published_by": "Published by",
           "bibliography": "Bibliography", "references": "References", "pages": "Pages",
           "figure": "Figure", "equation": "Equation", "table": "Table", "tables": "List of Tables", "page": "page", "this_place": "this place", "done": "Done", "not-done": "Not done"},
    "fr": {"contents": "Table des matières", "notes": "Notes", "chapter": "Chapitre", "translated_by": "Traduit par",
           "edited_by": "Édité par", "illustrated_by": "Illustré par", "cover": "Couverture", "title_page": "Page de titre",
           "copyright": "Droits", "start": "Début du texte", "back_to_text": "Retour au texte", "note": "Note",
           "notes_to": "Notes du", "figures": "Table des illustrations", "landmarks": "Repères", "published_by": "Publié par",
           "bibliography": "Bibliographie", "references": "Références", "pages": "Pages",
           "figure": "Figure", "equation": "Équation", "table": "Tableau", "tables": "Liste des tableaux", "page": "page", "this_place": "cet endroit", "done": "Fait", "not-done": "À faire"},
    "de": {"contents": "Inhalt", "notes": "Anmerkungen", "chapter": "Kapitel", "translated_by": "Übersetzt von",
           "edited_by": "Herausgegeben von", "illustrated_by": "Illustriert von", "cover": "Umschlag", "title_page": "Titelseite",
           "copyright": "Impressum", "start": "Textbeginn", "back_to_text": "Zurück zum Text", "note": "Anmerkung",
           "notes_to": "Anmerkungen zu", "figures": "Abbildungsverzeichnis", "landmarks": "Orientierung", "published_by": "Verlag",
           "bibliography": "Bibliographie", "references": "Literatur", "pages": "Seiten",
           "figure": "Abbildung", "equation": "Gleichung", "table": "Tabelle", "tables": "Tabellenverzeichnis", "page": "Seite", "this_place": "diese Stelle", "done": "Erledigt", "not-done": "Offen"},
    "es": {"contents": "Índice", "notes": "Notas", "chapter": "Capítulo", "translated_by": "Traducción de",
           "edited_by": "Edición de", "illustrated_by": "Ilustraciones de", "cover": "Cubierta", "title_page": "Portada",
           "copyright": "Créditos", "start": "Comienzo del texto", "back_to_text": "Volver al texto", "note": "Nota",
           "notes_to": "Notas de", "figures": "Índice de ilustraciones", "landmarks": "Puntos de referencia", "published_by": "Publicado por",
           "bibliography": "Bibliografía", "references": "Referencias", "pages": "Páginas",
           "figure": "Figura", "equation": "Ecuación", "table": "Tabla", "tables": "Índice de tablas", "page": "página", "this_place": "este lugar", "done": "Hecho", "not-done": "Pendiente"},
}

# Quotation marks by primary language subtag: (open double, close double, open single, close single)
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("\u201c", "\u201d", "\u2018", "\u2019"),
    "de": ("\u201e", "\u201c", "\u201a", "\u2018"),
    "fr": ("\u00ab\u202f", "\u202f\u00bb", "\u2039\u202f", "\u202f\u203a"),
    "es": ("\u00ab", "\u00bb", "\u201c", "\u201d"),
    "it": ("\u00ab", "\u00bb", "\u201c", "\u201d"),
    "pt": ("\u00ab", "\u00bb", "\u201c", "\u201d"),
    "ru": ("\u00ab", "\u00bb", "\u201e", "\u201c"),
    "nl": ("\u201c", "\u201d", "\u2018", "\u2019"),
    "pl": ("\u201e", "\u201d", "\u00ab", "\u00bb"),
    "sv": ("\u201d", "\u201d", "\u2019", "\u2019"),
    "fi": ("\u201d", "\u201d", "\u2019", "\u2019"),
    "da": ("\u00bb", "\u00ab", "\u203a", "\u2039"),
    "cs": ("\u201e", "\u201c", "\u201a", "\u2018"),
}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang.split("-")[0].lower(), LABELS["en"])


def quotes_for(lang: str) -> tuple[str, str, str, str]:
    tag = lang.lower()
    if tag.startswith("de-ch"):
        return ("\u00ab", "\u00bb", "\u2039", "\u203a")
    return QUOTES.get(tag.split("-")[0], QUOTES["en"])
