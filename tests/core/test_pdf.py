"""core.pdf: which font face is used for Chinese, fallbacks, and fonts embedded in the PDF."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core import pdf
from core.exceptions import ApplicationError

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
NOTO_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_FACES = [
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans Mono CJK JP",
    "Noto Sans Mono CJK KR",
    "Noto Sans Mono CJK SC",
]


@pytest.mark.parametrize(
    ("families", "index"),
    [
        (NOTO_FACES, 2),  # the Simplified Chinese face, not the collection's first (Japanese)
        (["Noto Sans Mono CJK JP", "Noto Sans Mono CJK SC", "Noto Sans CJK SC"], 1),
        (["WenQuanYi Micro Hei", "WenQuanYi Micro Hei Mono"], 0),
        (["WenQuanYi Micro Hei Mono", "WenQuanYi Micro Hei"], 1),
        (["Source Han Sans JP", "Source Han Sans K", "Source Han Sans"], 2),
        (["Noto Sans CJK JP", "Noto Sans CJK KR"], 0),  # nothing better: the first
        (["Some Font"], 0),
    ],
)
def test_chinese_face_index_prefers_the_simplified_chinese_face(families, index):
    assert pdf.chinese_face_index(families) == index


def test_with_only_noto_cjk_the_simplified_chinese_face_is_chosen(settings, monkeypatch, tmp_path):
    noto = tmp_path / "NotoSansCJK-Regular.ttc"
    noto.write_bytes(b"")
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (str(tmp_path / "wqy-microhei.ttc"), str(noto)))  # no WenQuanYi
    monkeypatch.setattr(pdf, "_face_families", lambda path: NOTO_FACES)
    settings.PDF_FONT = ""
    pdf._fonts_found.cache_clear()

    assert pdf.cjk_fonts() == (pdf.Font(path=noto, face=2),)

    pdf._fonts_found.cache_clear()


@pytest.mark.skipif(not Path(NOTO_CJK).exists(), reason="needs Debian fonts-noto-cjk")
def test_the_installed_noto_collection_gives_its_simplified_chinese_face():
    assert pdf.chinese_face_index(pdf._face_families(Path(NOTO_CJK))) == 2


def test_a_configured_font_comes_first_and_every_font_once(settings, monkeypatch, tmp_path):
    first, second = tmp_path / "a.ttf", tmp_path / "b.ttf"
    first.write_bytes(b"")
    second.write_bytes(b"")
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (str(second), str(first)))
    monkeypatch.setattr(pdf, "_face_families", lambda path: [path.name])
    settings.PDF_FONT = str(first)

    assert [font.path for font in pdf.cjk_fonts()] == [first, second]

    pdf._fonts_found.cache_clear()


def test_the_same_font_under_another_path_is_used_once(settings, monkeypatch, tmp_path):
    system, packaged, other = tmp_path / "wqy-microhei.ttc", tmp_path / "pkg-wqy-microhei.ttc", tmp_path / "noto.ttc"
    system.write_bytes(b"same font")
    packaged.write_bytes(b"same font")
    other.write_bytes(b"another font")
    families = {system: ["WenQuanYi Micro Hei"], packaged: ["WenQuanYi Micro Hei"], other: ["Noto Sans CJK SC"]}
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (str(system), str(other), str(packaged)))
    monkeypatch.setattr(pdf, "_face_families", lambda path: families[path])
    settings.PDF_FONT = ""
    pdf._fonts_found.cache_clear()

    assert [font.path for font in pdf.cjk_fonts()] == [system, other]

    pdf._fonts_found.cache_clear()


@pytest.mark.skipif(not (Path(WQY).exists() and Path(NOTO_CJK).exists()), reason="needs WenQuanYi and Noto CJK")
def test_fonts_are_parsed_once_per_process_and_a_fallback_is_embedded_only_when_used(settings, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (WQY, NOTO_CJK))
    settings.PDF_FONT = ""
    pdf._font_prototype.cache_clear()
    contents = []
    for _number in range(3):
        document = pdf.pdf_document(title="Test", language="zh-hans")
        document.add_page()
        document.multi_cell(0, 6, "上海精工机械有限公司")
        contents.append(bytes(document.output()))

    # One parse of the primary font for three documents; Noto CJK, never needed, is not even parsed.
    assert pdf._font_prototype.cache_info().misses == 1
    assert pdf._font_prototype.cache_info().hits == 2
    for content in contents:
        names = {name.split(b"+")[1] for name in re.findall(rb"/BaseFont /([A-Z]{6}\+[A-Za-z0-9-]+)", content)}
        assert names == {b"WenQuanYiMicroHei"}
    # Each document has its own subset: a later document's glyphs do not leak into an earlier one.
    assert len(contents[0]) == len(contents[2])


def test_without_a_chinese_font_no_document_is_made(settings, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    settings.PDF_FONT = ""

    with pytest.raises(ApplicationError, match="No Chinese font"):
        pdf.pdf_document(title="x")


@pytest.mark.skipif(not (Path(WQY).exists() and Path(NOTO_CJK).exists()), reason="needs WenQuanYi and Noto CJK")
def test_a_rare_character_comes_from_the_fallback_font_and_every_font_is_embedded(settings, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (WQY, NOTO_CJK))
    settings.PDF_FONT = ""
    document = pdf.pdf_document(title="Test", footer_text="Footer", language="zh-hans")
    document.add_page()
    document.multi_cell(0, 6, "上海精工 䶮")  # 䶮 (U+4DAE) is not in WenQuanYi Micro Hei

    content = bytes(document.output())

    names = set(re.findall(rb"/BaseFont /([A-Z]{6}\+[A-Za-z0-9-]+)", content))
    assert {name.split(b"+")[1] for name in names} == {b"WenQuanYiMicroHei", b"NotoSansCJKSC"}
    assert content.count(b"/Type /FontDescriptor") == content.count(b"/FontFile2") + content.count(b"/FontFile3") > 0
    assert b"/Lang (zh-CN)" in content


@pytest.mark.skipif(not (shutil.which("pdffonts") and Path(WQY).exists()), reason="needs pdffonts and WenQuanYi")
def test_pdffonts_reports_the_fonts_embedded(settings, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (WQY,))
    settings.PDF_FONT = ""
    document = pdf.pdf_document(footer_text="Footer")
    document.add_page()
    document.multi_cell(0, 6, "客户满意度 CSI")
    (tmp_path / "test.pdf").write_bytes(bytes(document.output()))

    report = subprocess.run(["pdffonts", str(tmp_path / "test.pdf")], capture_output=True, check=True, text=True)

    rows = report.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows)
