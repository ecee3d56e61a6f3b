"""Text typed by the public, made safe to store."""

from __future__ import annotations

import re
import unicodedata

# C0 control characters other than tab, line feed and carriage return, and DEL. PostgreSQL refuses
# NUL in text ("A string literal cannot contain NUL"), so one stray character would lose a whole
# submission; the others are invisible and mean nothing in an answer.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_characters_strip(text: str) -> str:
    """`text` without NUL and the other control characters a person cannot have meant to type
    (tab, line feed and carriage return are kept)."""
    return _CONTROL_CHARACTERS.sub("", text)


# The stored sort key of a name is cut here: past the first ~35 Chinese characters nobody sorts by
# hand, and an index on a short column stays small. Ties are broken by the name itself.
NAME_SORT_KEY_LENGTH = 255
_WORDS = re.compile(r"[a-z]+|[0-9]+")
_NOT_CHINESE = "\x00"  # marks the runs pypinyin could not read out


def name_sort_key(name: str) -> str:
    """The key that sorts names the way a reader of Chinese expects: Chinese characters by their
    pinyin (北京 "bei3jing1" before 上海 "shang4hai3"), with the tone as a digit so 西安 (xi1an1) and
    先 (xian1) stay apart, and Latin words among them in their alphabetical place ("Beta" between
    北京 and 上海). Letters are lower-cased and stripped of accents, full-width forms folded
    (ＡＢＣ = ABC); a Latin word ends in "0" so "Ab C" sorts before "Abc", as a space would.
    Punctuation and other symbols are left out.

    The key holds only [0-9a-z], whose order is the same in every collation (SQLite's binary one,
    PostgreSQL's C or a locale's), so the database sorts by it alike everywhere.
    pypinyin (and its ~50 MB dictionary of phrases, which reads 重庆 as chong2qing4 and 银行 as
    yin2hang2) is loaded on the first call only."""
    from pypinyin import Style, lazy_pinyin

    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name or ""))
    parts: list[str] = []
    for syllable in lazy_pinyin(
        folded, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda text: _NOT_CHINESE + text
    ):
        if not syllable.startswith(_NOT_CHINESE):
            parts.append(syllable)  # a Chinese character read out: lower-case pinyin and its tone
            continue
        text = "".join(c for c in syllable.lower() if not unicodedata.combining(c))
        parts.extend(word + "0" if word.isalpha() else word for word in _WORDS.findall(text))
    return "".join(parts)[:NAME_SORT_KEY_LENGTH]
