"""The browser journeys' untranslated-text guard (tests/e2e/text_guard.py), on text without a browser."""

from tests.e2e.text_guard import untranslated


def test_english_interface_words_on_a_chinese_page_are_found():
    assert untranslated(["投诉", "Change history", "状态：Received"], "zh-hans") == ["Change history", "状态：Received"]


def test_data_on_a_chinese_page_passes():
    texts = [
        "li.na@example.com",
        "CMP-2026-000001",
        "P-100 · B-2026-11",
        "ISO 9001 9.1.2",
        "NPS 42",
        "12.5 kg",
        "https://example.com/s/abc",
        "上海精工机械有限公司",
    ]
    assert untranslated(texts, "zh-hans") == []


def test_english_data_the_journey_typed_is_allowed_by_name():
    assert untranslated(["Nordic Pumps AB · 关键顾客"], "zh-hans", allow=["Nordic Pumps AB"]) == []
    assert untranslated(["Nordic Pumps AB · Key customer"], "zh-hans", allow=["Nordic Pumps AB"]) != []


def test_chinese_interface_strings_on_an_english_page_are_found_not_chinese_names():
    assert untranslated(["Received", "来访", "Channel: 顾客热线"], "en") == ["Channel: 顾客热线", "来访"]
    assert untranslated(["上海精工机械有限公司", "李娜", "华东关键外部最终顾客"], "en") == []
