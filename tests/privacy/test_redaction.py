"""Free text keeps its meaning without the erased person's values (pure)."""

from privacy.redaction import Redactor

REDACTOR = Redactor(
    names={"李娜": "Erased contact #7", "Ann Lee": "Erased contact #8"},
    phones={"+86 138-0013-8000": "[erased]"},
    emails={"li.na@example.com": "[erased]"},
    literals={"上海市浦东新区张江路 88 号": "[erased]"},
)


def test_names_in_chinese_text_are_replaced():
    assert REDACTOR.text("李娜来电投诉") == "Erased contact #7来电投诉"


def test_latin_names_only_as_whole_words_in_any_case_and_spacing():
    assert REDACTOR.text("Met ANN   lee today") == "Met Erased contact #8 today"
    assert REDACTOR.text("Annual report by Ann Leeson") == "Annual report by Ann Leeson"


def test_phone_numbers_however_written():
    for written in ("13800138000", "138 0013 8000", "+86 138-0013-8000", "0086 13800138000"):
        assert REDACTOR.text(f"call {written} now") == "call [erased] now", written
    assert REDACTOR.text("order 913800138000") == "order 913800138000"  # part of a longer number


def test_email_addresses_in_any_case_and_addresses_as_written():
    assert REDACTOR.text("write to LI.NA@Example.com") == "write to [erased]"
    assert REDACTOR.text("送到上海市浦东新区张江路 88 号") == "送到[erased]"


def test_json_values_are_rewritten_through_their_strings():
    assert REDACTOR.data({"to": ["li.na@example.com"], "n": 3, "why": ["李娜 said"]}) == {
        "to": ["[erased]"],
        "n": 3,
        "why": ["Erased contact #7 said"],
    }
