"""core.text.name_sort_key: the order a reader of Chinese expects, from a hand-made list."""

import re

from hypothesis import given
from hypothesis import strategies as st

from core.text import NAME_SORT_KEY_LENGTH, name_sort_key

# Sorted by hand as a Chinese reader expects (pinyin, Latin names in their alphabetical place):
# ā li < alpha < běi jīng < Beta < guǎng zhōu < shàng hǎi < xī ān < xiān fēng < Zeta.
EXPECTED = ["阿里巴巴", "alpha", "北京机械厂", "Beta Ltd", "广州电子", "上海电气", "西安仪表", "先锋科技", "Zeta GmbH"]


def test_chinese_names_sort_by_pinyin_with_latin_names_in_their_place():
    shuffled = [
        "上海电气",
        "Zeta GmbH",
        "先锋科技",
        "北京机械厂",
        "alpha",
        "西安仪表",
        "Beta Ltd",
        "广州电子",
        "阿里巴巴",
    ]

    assert sorted(shuffled, key=name_sort_key) == EXPECTED
    assert sorted(shuffled) != EXPECTED  # by code point 上 (U+4E0A) would come before 北 (U+5317)


def test_keys_read_phrases_tones_and_fold_case_width_and_accents():
    assert name_sort_key("北京") == "bei3jing1"
    assert name_sort_key("上海") == "shang4hai3"
    assert name_sort_key("重庆银行") == "chong2qing4yin2hang2"  # the phrase, not zhong4 / xing2
    assert name_sort_key("西安") != name_sort_key("先")  # xi1an1, xian1
    assert name_sort_key("ＡＢＣ") == name_sort_key("abc") == name_sort_key("ABC")
    assert name_sort_key("Émile") == name_sort_key("emile")
    assert name_sort_key("3M中国（上海）") == "3m0zhong1guo2shang4hai3"


def test_a_word_boundary_sorts_first_like_a_space():
    assert sorted(["Abc", "Ab C"], key=name_sort_key) == ["Ab C", "Abc"]


@given(st.text(max_size=300))
def test_keys_hold_only_digits_and_lower_case_letters_and_are_bounded(name):
    # Only [0-9a-z]: every collation (SQLite binary, PostgreSQL C or a locale's) orders them alike.
    key = name_sort_key(name)
    assert re.fullmatch(r"[0-9a-z]*", key)
    assert len(key) <= NAME_SORT_KEY_LENGTH
