"""Charts drawn in several threads at once (the dashboard's charts load in parallel on a threaded
server) each keep the chart style: a Chinese title is drawn with the Chinese font, not as boxes."""

import threading

import pytest
from matplotlib.ft2font import FT2Font

from core.pdf import cjk_fonts
from reports import charts, frames

TITLE = "各月满意指数与满意率"


def test_charts_drawn_in_parallel_keep_the_chinese_font():
    fonts = cjk_fonts()
    if not fonts:
        pytest.skip("no Chinese font installed")
    font = FT2Font(str(fonts[0].path))
    glyph = f'id="{font.postscript_name}-{font.get_char_index(ord("满")):x}"'
    frame = frames.by_dimension(
        [{"dimension": "质量", "mean": 80.0, "n": 40}, {"dimension": "交付", "mean": 60.0, "n": 3}]
    )
    results: list[str] = []

    def draw():
        for _ in range(6):
            results.append(charts.to_svg(charts.dimension_figure(frame, title=TITLE)))

    threads = [threading.Thread(target=draw) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 36
    assert all(glyph in svg for svg in results)
    assert len(set(results)) == 1  # the same figure, byte for byte, whichever thread drew it
