"""The untranslated-text guard of the browser journeys: no English interface text on a zh-hans page,
no Chinese interface text on an English page.

`assert_no_untranslated(page)` reads the text a person sees (text nodes of visible elements, the
options of visible selects, and the placeholder, title, aria-label and alt attributes), in the
page's language (`<html lang>`), and fails with every offending piece of text.

- On a zh-hans page, any English word fails, except data: e-mail addresses, web addresses,
  references and codes (letters with digits, CMP-2026-000001, P-100), acronyms and units (ISO, CSV,
  NPS, kg), numbers, and what the test allows (`allow=`: data the journey typed, e.g. a customer
  named "Nordic Pumps AB"). Text marked as data in the page (`translate="no"`, `lang` of another
  language, code/kbd/samp/.mono) is skipped, and a code the page shows as one (a question's code in
  a `.mono` cell) is data wherever else the page quotes it: the language switch's "English" is marked `lang="en"`.
- On an English page, a piece of text that is a zh-hans message of the catalogue (the Chinese for
  an interface string: "来访", "顾客热线") fails; other Chinese is data (names of Chinese
  customers and people).

The allow-list is for data only: interface text is fixed in the page, never allowed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import polib

ZH_PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Text of visible elements, in reading order; the page's own language first.
_COLLECT = r"""() => {
  const pageLanguage = (document.documentElement.lang || "").toLowerCase();
  const skip = "script,style,noscript,template,code,kbd,samp,.mono,[translate=no],[aria-hidden=true]";
  const otherLanguage = (element) => {
    const marked = element.closest("[lang]");
    return marked && marked.lang.toLowerCase() !== pageLanguage && marked !== document.documentElement;
  };
  const visible = (element) => {
    if (!element.getClientRects().length) return false;
    const style = getComputedStyle(element);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !element || element.closest(skip) || otherLanguage(element)) continue;
    if (element.closest("select")) continue;  // options: below, for visible selects
    if (visible(element)) texts.push(text);
  }
  for (const select of document.querySelectorAll("select")) {
    if (select.closest(skip) || otherLanguage(select) || !visible(select)) continue;
    for (const option of select.options) if (option.text.trim()) texts.push(option.text.trim());
  }
  for (const element of document.querySelectorAll("[placeholder],[title],[aria-label],img[alt]")) {
    if (element.closest(skip) || otherLanguage(element) || !visible(element)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = (element.getAttribute(name) || "").trim();
      if (value) texts.push(value);
    }
  }
  const title = document.title.trim();
  if (title) texts.push(title);
  // Codes the page shows as codes: data wherever else the page quotes them ("when quality <= 2").
  const codes = [...document.querySelectorAll("code,kbd,samp,.mono")]
    .map((element) => element.textContent.trim())
    .filter((text) => text && !/\s/.test(text));
  return {language: pageLanguage, texts, codes};
}"""

# Data that is English by nature on a Chinese page.
_DATA_PATTERNS = [
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+",  # e-mail addresses
    r"\b[A-Z][A-Za-z]+(/[A-Z][A-Za-z_-]+)+\b",  # IANA time zones: Asia/Shanghai, America/Argentina/Salta
    r"https?://\S+|www\.\S+|/[\w./?=&%-]+",  # addresses and paths
    r"\b[\w.-]*\d[\w.-]*\b",  # references and codes with digits: CMP-2026-000001, P-100, v1, 8D
    r"\b[A-Z]{2,}s?\b",  # acronyms: ISO, CSV, NPS, CSI, SLA, API, PDF, XLSX, QR, HTTP
    r"\b[\w-]+\.(json|csv|xlsx|pdf|zip|txt|png)\b",  # file names
    r"\b[a-z]+(_[a-z]+)+\b",  # machine codes in snake case, e.g. a column name in an import example
]
# Units and words that are the same in Chinese text; product names.
_SAME_IN_BOTH = {"kg", "g", "mm", "cm", "m", "km", "h", "min", "ms", "s", "pcs", "CSM", "Excel", "Celery", "ZIP"}
_SAME_IN_BOTH |= {"Johnson"}  # a method named after its author: "Johnson 相对权重"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = re.compile(r"\s*[·|/:：,，;；()（）\[\]【】→←—–]+\s*|\s{2,}")


@cache
def _chinese_interface_strings() -> frozenset[str]:
    """The zh-hans messages of the catalogue that are Chinese and are no English word themselves."""
    strings = set()
    for entry in polib.pofile(str(ZH_PO)):
        text = entry.msgstr or entry.msgstr_plural.get(0, "")
        if entry.obsolete or not text or "%" in text or not _CJK.search(text):
            continue
        strings.add(text.strip())
    return frozenset(strings)


def _english_words(text: str, allowed: Iterable[str]) -> list[str]:
    for data in sorted(allowed, key=len, reverse=True):
        text = text.replace(data, " ")
    for pattern in _DATA_PATTERNS:
        text = re.sub(pattern, " ", text)
    return [word for word in _WORD.findall(text) if word not in _SAME_IN_BOTH and len(word) > 1]


def untranslated(texts: Iterable[str], language: str, allow: Iterable[str] = ()) -> list[str]:
    """The pieces of `texts` that are in the other language than `language` (see the module)."""
    allowed = [a for a in allow if a]
    found: list[str] = []
    for text in texts:
        if language.startswith("zh"):
            if _english_words(text, allowed):
                found.append(text)
        elif _CJK.search(text):
            chinese = _chinese_interface_strings()
            pieces = [text, *(p for p in _SEPARATORS.split(text) if p)]
            if any(piece.strip() in chinese and piece.strip() not in allowed for piece in pieces):
                found.append(text)
    return sorted(set(found))


def collect_texts(page) -> dict:
    """{"language": the page's `<html lang>`, "texts": what a person sees, "codes": what it shows as codes}."""
    collected = page.evaluate(_COLLECT)
    collected["language"] = (collected["language"] or "en").lower()
    return collected


def assert_no_untranslated(page, language: str | None = None, allow: Iterable[str] = ()) -> None:
    """Fail when the page shows interface text in the other language (see the module); `language`
    defaults to the page's own (`<html lang>`)."""
    collected = collect_texts(page)
    language = (language or collected["language"] or "en").lower()
    found = untranslated(collected["texts"], language, [*allow, *collected["codes"]])
    assert not found, f"{page.url} ({language}) shows text in the other language: {found}"
