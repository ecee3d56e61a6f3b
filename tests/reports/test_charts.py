"""reports.charts: every chart gives valid SVG (and PNG), draws Chinese as real glyphs, leaves no figure
open and gives the same bytes twice."""

import datetime
import random
import re
import xml.etree.ElementTree as ET

import matplotlib
import matplotlib.pyplot as plt
import pytest
from django.utils import translation
from matplotlib import font_manager, ft2font

from reports import charts, frames, key_drivers

D = datetime.date


def _trend():
    rows = [{"month": f"2026-{m:02d}", "csi": 70 + m, "satisfaction_rate": 0.7 + m / 50, "n": 40} for m in (1, 2, 4)]
    return frames.monthly_trend(rows)


def _dimensions():
    return frames.by_dimension(
        [
            {"dimension": "产品质量", "mean": 82, "n": 40, "importance": 90},
            {"dimension": "交付及时", "mean": 65, "n": 12, "importance": 85},
            {"dimension": "服务态度", "mean": None, "n": 0},
        ]
    )


def _key_drivers():
    rng = random.Random(1)
    rows = []
    for response in range(20):
        delivery, price = rng.uniform(0, 100), rng.uniform(0, 100)
        for dimension, score in (("交付", delivery), ("价格", price)):
            rows.append(
                {
                    "response_id": response,
                    "overall": 0.8 * delivery + 0.2 * price,
                    "dimension": dimension,
                    "score": score,
                }
            )
    return key_drivers.key_drivers(rows)


def _quadrants():
    return frames.quadrants(
        [
            {"dimension": "产品质量", "importance": 90, "performance": 82},
            {"dimension": "交付", "importance": 85, "performance": 65},
            {"dimension": "价格", "importance": 60, "performance": 70},
        ]
    )


# Each chart with a small frame: (builder, frame, keyword arguments).
CASES = {
    "trend": lambda: charts.trend_figure(_trend(), csi_target=85, rate_target=0.9),
    "dimension": lambda: charts.dimension_figure(_dimensions(), target=80),
    "segment": lambda: charts.segment_figure(
        frames.by_segment([{"segment": "关键顾客", "csi": 80, "satisfaction_rate": 0.8, "n": 50}]),
        metric="satisfaction_rate",
    ),
    "quadrant": lambda: charts.quadrant_figure(_quadrants()),
    "key_driver": lambda: charts.key_driver_figure(_key_drivers().frame, warnings=["样本量小"]),
    "nps": lambda: charts.nps_figure(frames.nps_breakdown([{"score": 10, "n": 5}, {"score": 3, "n": 2}])),
    "pareto": lambda: charts.pareto_figure(
        frames.pareto([{"category": "交付延迟", "count": 6}, {"category": "质量缺陷", "count": 3}])
    ),
    "sla": lambda: charts.sla_figure(frames.sla_trend([{"month": "2026-01", "on_time": 3, "total": 4}]), target=0.95),
    "resolve_time": lambda: charts.resolve_time_figure(frames.resolve_time_distribution([{"hours": 5, "n": 2}])),
    "benchmark": lambda: charts.benchmark_figure(
        frames.benchmark_comparison(
            [
                {"dimension": "质量", "entry": "本公司", "kind": "ours", "score": 80},
                {"dimension": "质量", "entry": "竞争对手甲", "kind": "competitor", "score": 75},
            ]
        )
    ),
}

EMPTY = {
    "trend": (charts.trend_figure, frames.monthly_trend([])),
    "dimension": (charts.dimension_figure, frames.by_dimension([])),
    "segment": (charts.segment_figure, frames.by_segment([])),
    "quadrant": (charts.quadrant_figure, frames.quadrants([])),
    "key_driver": (charts.key_driver_figure, key_drivers.key_drivers([]).frame),
    "nps": (charts.nps_figure, frames.nps_breakdown([])),
    "pareto": (charts.pareto_figure, frames.pareto([])),
    "sla": (charts.sla_figure, frames.sla_trend([])),
    "resolve_time": (charts.resolve_time_figure, frames.resolve_time_distribution([])),
    "benchmark": (charts.benchmark_figure, frames.benchmark_comparison([])),
}


def _texts(svg: str) -> list[str]:
    """The strings drawn: matplotlib writes each text as glyph paths preceded by a comment with it."""
    return re.findall(r"<!-- (.*?) -->", svg, flags=re.S)


@pytest.fixture(autouse=True)
def no_figures_left_open():
    plt.close("all")
    yield
    assert plt.get_fignums() == []


@pytest.mark.parametrize("name", CASES)
def test_chart_is_valid_svg_with_glyphs_as_paths(name):
    svg = charts.to_svg(CASES[name]())
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<text" not in svg  # text is drawn as paths: the browser needs no Chinese font
    assert "<dc:date>" not in svg


@pytest.mark.parametrize("name", CASES)
def test_chart_is_the_same_svg_every_time(name):
    assert charts.to_svg(CASES[name]()) == charts.to_svg(CASES[name]())


@pytest.mark.parametrize("name", CASES)
def test_chart_as_png_for_the_pdf(name):
    assert charts.to_png(CASES[name](), dpi=50).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("name", EMPTY)
def test_empty_frame_gives_a_no_data_chart_in_the_active_language(name):
    builder, frame = EMPTY[name]
    with translation.override("zh-hans"):
        svg = charts.to_svg(builder(frame))
    assert "所选范围内没有数据" in _texts(svg)
    with translation.override("en"):
        assert "No data for this selection" in _texts(charts.to_svg(builder(frame)))


def test_titles_and_axis_labels_follow_the_language_or_the_caller():
    with translation.override("zh-hans"):
        texts = _texts(charts.to_svg(charts.trend_figure(_trend(), csi_target=85)))
    assert {"各月满意指数与满意率", "满意指数（CSI）", "满意指数目标 85"} <= set(texts)
    texts = _texts(charts.to_svg(charts.pareto_figure(frames.pareto([{"category": "x", "count": 1}]), title="Mine")))
    assert "Mine" in texts


def test_quadrant_chart_names_the_quadrants_in_the_users_terms():
    with translation.override("zh-hans"):
        texts = _texts(charts.to_svg(charts.quadrant_figure(_quadrants())))
    assert {"集中改进", "继续保持", "低优先级", "过度投入"} <= set(texts)


def test_key_driver_chart_carries_the_warnings():
    with translation.override("en"):
        result = _key_drivers()
        texts = _texts(charts.to_svg(charts.key_driver_figure(result.frame, warnings=result.warnings)))
    assert any(text.startswith("Small sample: 20 responses") for text in texts)


def test_chinese_labels_are_drawn_with_the_registered_font_glyphs_not_tofu():
    family = charts.cjk_font_register()
    assert family in {"WenQuanYi Micro Hei", "Noto Sans CJK SC"}
    with matplotlib.rc_context(charts._style()):
        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    entry = next(f for f in font_manager.fontManager.ttflist if f.fname == path and f.name == family)
    font = ft2font.FT2Font(path, face_index=entry.index)
    label = "产品质量交付及时集中改进"
    indices = {character: font.get_char_index(ord(character)) for character in label}
    assert all(indices.values()), indices  # 0 is .notdef, the tofu box
    with translation.override("zh-hans"):
        svg = charts.to_svg(charts.dimension_figure(_dimensions()))
    glyph_ids = set(re.findall(r'<path id="([^"]+)"', svg))
    prefix = font.postscript_name
    for character in "产品质量交付及时":
        assert f"{prefix}-{indices[character]:x}" in glyph_ids, character
    assert f"{prefix}-0" not in glyph_ids


def test_cjk_font_is_registered_once():
    charts.cjk_font_register()
    before = len(font_manager.fontManager.ttflist)
    charts.cjk_font_register()
    assert len(font_manager.fontManager.ttflist) == before


def test_charts_leave_the_global_matplotlib_settings_alone():
    before = dict(matplotlib.rcParams)
    charts.to_svg(CASES["trend"]())
    assert dict(matplotlib.rcParams) == before
