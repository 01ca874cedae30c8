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
           "figure": "Figure", "equation": "Equation", "table": "Table", "tables": "List of Tables", "page": "page", "this_place": "this place", "done": "Done", "not-done": "Not done", "set_in": "Set in {} with folio.", "index": "Index"},
    "fr": {"contents": "Table des matières", "notes": "Notes", "chapter": "Chapitre", "translated_by": "Traduit par",
           "edited_by": "Édité par", "illustrated_by": "Illustré par", "cover": "Couverture", "title_page": "Page de titre",
           "copyright": "Droits", "start": "Début du texte", "back_to_text": "Retour au texte", "note": "Note",
           "notes_to": "Notes du", "figures": "Table des illustrations", "landmarks": "Repères", "published_by": "Publié par",
           "bibliography": "Bibliographie", "references": "Références", "pages": "Pages",
           "figure": "Figure", "equation": "Équation", "table": "Tableau", "tables": "Liste des tableaux", "page": "page", "this_place": "cet endroit", "done": "Fait", "not-done": "À faire", "set_in": "Composé en {} avec folio.", "index": "Index"},
    "de": {"contents": "Inhalt", "notes": "Anmerkungen", "chapter": "Kapitel", "translated_by": "Übersetzt von",
           "edited_by": "Herausgegeben von", "illustrated_by": "Illustriert von", "cover": "Umschlag", "title_page": "Titelseite",
           "copyright": "Impressum", "start": "Textbeginn", "back_to_text": "Zurück zum Text", "note": "Anmerkung",
           "notes_to": "Anmerkungen zu", "figures": "Abbildungsverzeichnis", "landmarks": "Orientierung", "published_by": "Verlag",
           "bibliography": "Bibliographie", "references": "Literatur", "pages": "Seiten",
           "figure": "Abbildung", "equation": "Gleichung", "table": "Tabelle", "tables": "Tabellenverzeichnis", "page": "Seite", "this_place": "diese Stelle", "done": "Erledigt", "not-done": "Offen", "set_in": "Gesetzt in {} mit folio.", "index": "Register"},
    "es": {"contents": "Índice", "notes": "Notas", "chapter": "Capítulo", "translated_by": "Traducción de",
           "edited_by": "Edición de", "illustrated_by": "Ilustraciones de", "cover": "Cubierta", "title_page": "Portada",
           "copyright": "Créditos", "start": "Comienzo del texto", "back_to_text": "Volver al texto", "note": "Nota",
           "notes_to": "Notas de", "figures": "Índice de ilustraciones", "landmarks": "Puntos de referencia", "published_by": "Publicado por",
           "bibliography": "Bibliografía", "references": "Referencias", "pages": "Páginas",
           "figure": "Figura", "equation": "Ecuación", "table": "Tabla", "tables": "Índice de tablas", "page": "página", "this_place": "este lugar", "done": "Hecho", "not-done": "Pendiente", "set_in": "Compuesto en {} con folio.", "index": "Índice alfabético"},
    "it": {"contents": "Indice", "notes": "Note", "chapter": "Capitolo", "translated_by": "Traduzione di", "edited_by": "A cura di", "illustrated_by": "Illustrazioni di", "cover": "Copertina", "title_page": "Frontespizio", "copyright": "Copyright", "start": "Inizio del testo", "back_to_text": "Torna al testo", "note": "Nota", "notes_to": "Note a", "figures": "Indice delle illustrazioni", "landmarks": "Punti di riferimento", "published_by": "Pubblicato da", "bibliography": "Bibliografia", "references": "Riferimenti bibliografici", "pages": "Pagine", "figure": "Figura", "equation": "Equazione", "table": "Tabella", "tables": "Indice delle tabelle", "page": "pagina", "this_place": "questo punto", "done": "Fatto", "not-done": "Da fare", "set_in": "Composto in {} con folio.", "index": "Indice analitico"},
    "pt": {"contents": "Sumário", "notes": "Notas", "chapter": "Capítulo", "translated_by": "Tradução de", "edited_by": "Edição de", "illustrated_by": "Ilustrações de", "cover": "Capa", "title_page": "Folha de rosto", "copyright": "Ficha técnica", "start": "Início do texto", "back_to_text": "Voltar ao texto", "note": "Nota", "notes_to": "Notas de", "figures": "Lista de ilustrações", "landmarks": "Pontos de referência", "published_by": "Publicado por", "bibliography": "Bibliografia", "references": "Referências", "pages": "Páginas", "figure": "Figura", "equation": "Equação", "table": "Tabela", "tables": "Lista de tabelas", "page": "página", "this_place": "este lugar", "done": "Feito", "not-done": "Por fazer", "set_in": "Composto em {} com folio.", "index": "Índice remissivo"},
    "nl": {"contents": "Inhoud", "notes": "Noten", "chapter": "Hoofdstuk", "translated_by": "Vertaald door", "edited_by": "Bezorgd door", "illustrated_by": "Geïllustreerd door", "cover": "Omslag", "title_page": "Titelpagina", "copyright": "Colofon", "start": "Begin van de tekst", "back_to_text": "Terug naar de tekst", "note": "Noot", "notes_to": "Noten bij", "figures": "Lijst van illustraties", "landmarks": "Oriëntatiepunten", "published_by": "Uitgegeven door", "bibliography": "Bibliografie", "references": "Literatuur", "pages": "Pagina’s", "figure": "Figuur", "equation": "Vergelijking", "table": "Tabel", "tables": "Lijst van tabellen", "page": "pagina", "this_place": "deze plek", "done": "Gedaan", "not-done": "Te doen", "set_in": "Gezet in {} met folio.", "index": "Register"},
    "ru": {"contents": "Содержание", "notes": "Примечания", "chapter": "Глава", "translated_by": "Перевод:", "edited_by": "Редакция:", "illustrated_by": "Иллюстрации:", "cover": "Обложка", "title_page": "Титульный лист", "copyright": "Выходные данные", "start": "Начало текста", "back_to_text": "Вернуться к тексту", "note": "Примечание", "notes_to": "Примечания к главе", "figures": "Список иллюстраций", "landmarks": "Ориентиры", "published_by": "Издатель:", "bibliography": "Библиография", "references": "Литература", "pages": "Страницы", "figure": "Рисунок", "equation": "Формула", "table": "Таблица", "tables": "Список таблиц", "page": "с.", "this_place": "это место", "done": "Сделано", "not-done": "Не сделано", "set_in": "Набрано шрифтами {} в folio.", "index": "Указатель"},
    "pl": {"contents": "Spis treści", "notes": "Przypisy", "chapter": "Rozdział", "translated_by": "Tłumaczenie:", "edited_by": "Redakcja:", "illustrated_by": "Ilustracje:", "cover": "Okładka", "title_page": "Strona tytułowa", "copyright": "Strona redakcyjna", "start": "Początek tekstu", "back_to_text": "Powrót do tekstu", "note": "Przypis", "notes_to": "Przypisy do rozdziału", "figures": "Spis ilustracji", "landmarks": "Punkty orientacyjne", "published_by": "Wydawca:", "bibliography": "Bibliografia", "references": "Literatura", "pages": "Strony", "figure": "Rycina", "equation": "Równanie", "table": "Tabela", "tables": "Spis tabel", "page": "s.", "this_place": "to miejsce", "done": "Zrobione", "not-done": "Do zrobienia", "set_in": "Złożono krojami {} w folio.", "index": "Indeks"},
    "zh": {"contents": "目录", "notes": "注释", "chapter": "第{}章", "translated_by": "译者：", "edited_by": "编者：", "illustrated_by": "插图：", "cover": "封面", "title_page": "扉页", "copyright": "版权页", "start": "正文开始", "back_to_text": "返回正文", "note": "注", "notes_to": "注释：", "figures": "插图目录", "landmarks": "导航", "published_by": "出版者：", "bibliography": "参考书目", "references": "参考文献", "pages": "页码", "figure": "图", "equation": "公式", "table": "表", "tables": "表格目录", "page": "第{}页", "this_place": "此处", "done": "已完成", "not-done": "未完成", "set_in": "本书以 {} 排版，由 folio 制作。", "index": "索引"},
    "ja": {"contents": "目次", "notes": "注", "chapter": "第{}章", "translated_by": "訳：", "edited_by": "編：", "illustrated_by": "絵：", "cover": "表紙", "title_page": "扉", "copyright": "奥付", "start": "本文開始", "back_to_text": "本文へ戻る", "note": "注", "notes_to": "注：", "figures": "図版目次", "landmarks": "ランドマーク", "published_by": "発行：", "bibliography": "参考文献", "references": "参考文献", "pages": "ページ", "figure": "図", "equation": "式", "table": "表", "tables": "表目次", "page": "{}ページ", "this_place": "この箇所", "done": "完了", "not-done": "未完了", "set_in": "{} で組版（folio）。", "index": "索引"},
    "ko": {"contents": "차례", "notes": "주", "chapter": "제{}장", "translated_by": "옮긴이:", "edited_by": "엮은이:", "illustrated_by": "그림:", "cover": "표지", "title_page": "속표지", "copyright": "판권", "start": "본문 시작", "back_to_text": "본문으로 돌아가기", "note": "주", "notes_to": "주:", "figures": "그림 목록", "landmarks": "랜드마크", "published_by": "펴낸곳:", "bibliography": "참고 문헌", "references": "참고 문헌", "pages": "쪽", "figure": "그림", "equation": "식", "table": "표", "tables": "표 목록", "page": "{}쪽", "this_place": "이곳", "done": "완료", "not-done": "미완료", "set_in": "{} 글꼴로 조판(folio).", "index": "찾아보기"},
    "ar": {"contents": "المحتويات", "notes": "الحواشي", "chapter": "الفصل", "translated_by": "ترجمة", "edited_by": "تحرير", "illustrated_by": "رسوم", "cover": "الغلاف", "title_page": "صفحة العنوان", "copyright": "حقوق النشر", "start": "بداية النص", "back_to_text": "العودة إلى النص", "note": "حاشية", "notes_to": "حواشي", "figures": "قائمة الأشكال", "landmarks": "معالم", "published_by": "الناشر", "bibliography": "المراجع", "references": "المراجع", "pages": "الصفحات", "figure": "شكل", "equation": "معادلة", "table": "جدول", "tables": "قائمة الجداول", "page": "صفحة", "this_place": "هذا الموضع", "done": "تم", "not-done": "لم يتم", "set_in": "جُمع بخطوط {} باستخدام folio.", "index": "الفهرس"},
    "he": {"contents": "תוכן העניינים", "notes": "הערות", "chapter": "פרק", "translated_by": "תרגום:", "edited_by": "עריכה:", "illustrated_by": "איורים:", "cover": "כריכה", "title_page": "עמוד שער", "copyright": "זכויות יוצרים", "start": "תחילת הטקסט", "back_to_text": "חזרה לטקסט", "note": "הערה", "notes_to": "הערות ל", "figures": "רשימת איורים", "landmarks": "ציוני דרך", "published_by": "הוצאה לאור:", "bibliography": "ביבליוגרפיה", "references": "מקורות", "pages": "עמודים", "figure": "איור", "equation": "משוואה", "table": "טבלה", "tables": "רשימת טבלאות", "page": "עמוד", "this_place": "מקום זה", "done": "בוצע", "not-done": "לא בוצע", "set_in": "סודר בגופנים {} בעזרת folio.", "index": "מפתח"},
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
    "zh": ("\u201c", "\u201d", "\u2018", "\u2019"),  # simplified; traditional and Japanese use corner brackets
    "ja": ("\u300c", "\u300d", "\u300e", "\u300f"),
    "ko": ("\u201c", "\u201d", "\u2018", "\u2019"),
    "ar": ("\u00ab", "\u00bb", "\u2039", "\u203a"),
    "fa": ("\u00ab", "\u00bb", "\u2039", "\u203a"),
    "he": ("\u201e", "\u201d", "\u201a", "\u2019"),
}


def labels(lang: str, own: dict[str, str] | None = None) -> dict[str, str]:
    """The words for a language (English for one folio does not know), with book.yaml's
    `labels:` over them."""
    return {**LABELS["en"], **LABELS.get(lang.split("-")[0].lower(), {}), **(own or {})}


def numbered(word: str, number: object) -> str:
    """A label with its number: "Chapter 4", "Figure 2.3"; a word with {} takes the number
    inside ("第{}章" -> "第4章")."""
    return word.replace("{}", str(number)) if "{}" in word else f"{word} {number}"


def quotes_for(lang: str) -> tuple[str, str, str, str]:
    tag = lang.lower()
    if tag.startswith("de-ch"):
        return ("\u00ab", "\u00bb", "\u2039", "\u203a")
    if tag.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return ("\u300c", "\u300d", "\u300e", "\u300f")
    return QUOTES.get(tag.split("-")[0], QUOTES["en"])
