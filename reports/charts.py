"""Frames from reports.frames drawn as charts, as pure functions: frame in, figure out, SVG or PNG.

    svg = to_svg(trend_figure(frame, csi_target=85, rate_target=0.9))
    png = to_png(pareto_figure(frame))      # for the PDF

Figures are built with `matplotlib.figure.Figure` and the Agg canvas, never through pyplot: pyplot
keeps every figure in a global registry until `plt.close()` and is not thread-safe, while a bare
Figure is freed with its last reference (matplotlib's own advice for web servers). So nothing is
ever left open, and `to_svg`/`to_png` clear the figure after saving as well.
Every builder takes its title (and axis labels) or uses a translated default, and draws a small
"no data" figure for an empty frame. Style, fonts and the SVG hash salt are applied per call
(rc_context), so other users of matplotlib in the process are not affected and the SVG is the same
byte for byte for the same frame: pages and the report can cache it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from cycler import cycler  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from reports.frames import QUADRANT_LABELS, SMALL_SAMPLE_N, quadrant_split  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
# deficiencies and on a washed-out projector. Yellow (#F0E442) is too light for lines on white and
# is left out; series are also told apart by marker and line style, never by colour alone.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, BLACK)
QUADRANT_STYLE = {  # colour and marker per importance–performance quadrant
    "focus": (VERMILLION, "o"),
    "keep": (GREEN, "s"),
    "low_priority": (GREY, "v"),
    "overkill": (ORANGE, "D"),
}
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")
SMALL_SAMPLE_HATCH = "///"

# The first file found is registered; WenQuanYi Micro Hei has TrueType outlines (smaller SVG paths),
# Noto Sans CJK's collection holds the Simplified Chinese face under its own family name.
# A fixed salt makes clip-path and glyph ids in the SVG the same on every run.
SVG_HASH_SALT = "csm-reports"
FIGURE_SIZE = (8.0, 4.5)
PNG_DPI = 150

P = ParamSpec("P")


@functools.cache
def cjk_font_register() -> str | None:
    """Register the first Chinese font core.pdf finds (the same ones the PDFs embed) with matplotlib,
    once; its family name, or None.

    matplotlib's font cache may predate the fonts apt installed, so the file is added explicitly; a
    collection's Simplified Chinese face is the one matplotlib names "... SC"."""
    from core.pdf import cjk_fonts

    for font in cjk_fonts():
        font_manager.fontManager.addfont(str(font.path))
        family = font_manager.FontProperties(fname=str(font.path)).get_name()
        if "Noto Sans CJK" in family:
            family = "Noto Sans CJK SC"
        return family
    return None


def _style() -> dict[str, Any]:
    family = cjk_font_register()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": "#dddddd",
        "lines.linewidth": 2.2,
        "lines.markersize": 6,
        "hatch.color": "#ffffff",
        "svg.fonttype": "path",
        "svg.hashsalt": SVG_HASH_SALT,
    }


# matplotlib's rcParams are one global: rc_context restores on exit whatever it found on entry, so two
# threads styling at once (the dashboard's charts load in parallel, and runserver and the live test
# server are threaded) undo each other's fonts and a Chinese label is drawn without its font. Building
# and saving hold this lock; re-entrant, as a builder may build the no-data figure inside.
_MATPLOTLIB_LOCK = threading.RLock()


@contextlib.contextmanager
def _styled() -> Iterator[None]:
    with _MATPLOTLIB_LOCK, matplotlib.rc_context(_style()):
        yield


def _chart(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Run a figure builder inside the chart style (fonts are looked up while drawing and saving)."""

    @functools.wraps(build)
    def styled(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with _styled():
            return build(*args, **kwargs)

    return styled


def _figure(size: tuple[float, float] = FIGURE_SIZE) -> Figure:
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as SVG text, glyphs drawn as paths (the browser needs no font); no date inside."""
    buffer = io.StringIO()
    with _styled():
        try:
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            figure.clear()
    return buffer.getvalue()


def to_png(figure: Figure, *, dpi: int = PNG_DPI) -> bytes:
    """The figure as PNG bytes (for the PDF report)."""
    buffer = io.BytesIO()
    with _styled():
        try:
            figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        finally:
            figure.clear()
    return buffer.getvalue()


@_chart
def no_data_figure(*, title: str | None = None, message: str | None = None) -> Figure:
    """A small figure that says there is nothing to show (instead of an empty or broken chart)."""
    # Wrapped (a long warning would otherwise run off the figure and collapse the layout); 40
    # characters of Chinese take about the width of 70 Latin ones.
    text = message or gettext("No data for this selection")
    width = 40 if any(ord(character) > 0x2E80 for character in text) else 70
    lines = textwrap.wrap(text, width) or [text]
    figure = _figure((6.0, 1.6 + 0.25 * len(lines)))
    ax = figure.add_subplot()
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", color="#555555")
    return figure


def _is_empty(frame: pd.DataFrame, *columns: str) -> bool:
    return frame.empty or all(pd.to_numeric(frame[c], errors="coerce").isna().all() for c in columns)


def _month_labels(frame: pd.DataFrame) -> list[str]:
    return [month.strftime("%Y-%m") for month in frame["month"]]


def _month_axis(ax: Axes, labels: Sequence[str]) -> None:
    step = 1 if len(labels) <= 12 else 2
    ax.set_xticks(range(len(labels))[::step], labels[::step], rotation=45, ha="right")
    ax.set_xlim(-0.5, len(labels) - 0.5)


def _target_line(ax: Axes, value: float, colour: str, label: str) -> None:
    """A dotted horizontal target, named in the legend (a label on the line would collide with points)."""
    ax.axhline(value, color=colour, linestyle=":", linewidth=1.6, label=label)


def _line(ax: Axes, values: pd.Series, small: pd.Series, *, colour: str, marker: str, style: str, label: str) -> None:
    """A series with hollow markers where the month has few answers, broken where it has none."""
    x = np.arange(len(values))
    y = values.to_numpy(dtype=float)
    ax.plot(x, y, color=colour, marker=marker, linestyle=style, label=label)
    hollow = small.to_numpy(dtype=bool) & ~np.isnan(y)
    if hollow.any():
        ax.plot(x[hollow], y[hollow], linestyle="none", marker=marker, color=colour, markerfacecolor="white")


def _footnote(figure: Figure, text: str, *, colour: str = "#555555") -> None:
    """A note under the chart; as the figure's x super-label, the layout makes room for it."""
    figure.supxlabel(text, x=0.01, ha="left", fontsize=8, color=colour)


def _small_sample_note(figure: Figure) -> None:
    _footnote(figure, gettext("Hollow or hatched: fewer than %(n)s answers, indicative only.") % {"n": SMALL_SAMPLE_N})


@_chart
def trend_figure(
    frame: pd.DataFrame,
    *,
    csi_target: float | None = None,
    rate_target: float | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    csi_label: str | None = None,
    rate_label: str | None = None,
) -> Figure:
    """CSI (0–100) and satisfaction rate (as %) per month from `frames.monthly_trend`, on one 0–100 axis,
    with a dotted target line for each target given (rate_target as 0–1). The series' names can be
    given for another score on the same scales (e.g. the visits' mean score)."""
    title = title or gettext("Satisfaction index and satisfaction rate by month")
    if _is_empty(frame, "csi", "satisfaction_rate"):
        return no_data_figure(title=title)
    figure = _figure()
    ax = figure.add_subplot()
    small = frame["small_sample"]
    _line(
        ax,
        frame["csi"],
        small,
        colour=BLUE,
        marker="o",
        style="-",
        label=csi_label or gettext("Satisfaction index (CSI)"),
    )
    rate = pd.to_numeric(frame["satisfaction_rate"], errors="coerce") * 100
    _line(ax, rate, small, colour=ORANGE, marker="s", style="--", label=rate_label or gettext("Satisfaction rate (%)"))
    if csi_target is not None:
        _target_line(ax, csi_target, BLUE, gettext("CSI target %(value)s") % {"value": f"{csi_target:g}"})
    if rate_target is not None:
        _target_line(
            ax, rate_target * 100, ORANGE, gettext("Rate target %(value)s %%") % {"value": f"{rate_target * 100:g}"}
        )
    _month_axis(ax, _month_labels(frame))
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel or gettext("Score (0–100) / rate (%)"))
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=9, ncols=2)
    if frame["small_sample"].any():
        _small_sample_note(figure)
    return figure


def _horizontal_bars(
    ax: Axes, labels: Sequence[str], values: np.ndarray, counts: Sequence[int], small: np.ndarray, *, unit: str = ""
) -> None:
    """Bars top-down in the frame's order, each labelled with its value and sample size."""
    y = np.arange(len(labels))[::-1]
    shown = np.nan_to_num(values, nan=0.0)
    bars = ax.barh(y, shown, color=BLUE, height=0.6)
    for bar, is_small in zip(bars, small, strict=True):
        if is_small:
            bar.set_facecolor(SKY_BLUE)
            bar.set_hatch(SMALL_SAMPLE_HATCH)
    for position, value, count, is_small in zip(y, values, counts, small, strict=True):
        # Inside the bar, at its base: the end of the bar is where importance diamonds and targets go.
        text = gettext("no answers") if math.isnan(value) else f"{value:.1f}{unit} (n={count})"
        colour = "#222222" if is_small or math.isnan(value) or value < 25 else "white"
        x = value + 1 if not math.isnan(value) and value < 25 else 1
        ax.text(x, position, text, va="center", fontsize=9, color=colour)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 105)
    ax.grid(axis="y", visible=False)


@_chart
def dimension_figure(
    frame: pd.DataFrame, *, title: str | None = None, xlabel: str | None = None, target: float | None = None
) -> Figure:
    """Mean score per dimension from `frames.by_dimension`, with the stated importance as a diamond."""
    title = title or gettext("Satisfaction by dimension")
    if _is_empty(frame, "mean"):
        return no_data_figure(title=title)
    figure = _figure((8.0, max(2.5, 0.55 * len(frame) + 1.5)))
    ax = figure.add_subplot()
    values = pd.to_numeric(frame["mean"], errors="coerce").to_numpy(dtype=float)
    _horizontal_bars(ax, list(frame["dimension"]), values, list(frame["n"]), frame["small_sample"].to_numpy(bool))
    importance = pd.to_numeric(frame["importance"], errors="coerce").to_numpy(dtype=float)
    if not np.isnan(importance).all():
        y = np.arange(len(frame))[::-1]
        ax.plot(importance, y, linestyle="none", marker="D", color=BLACK, label=gettext("Importance"))
        ax.legend(loc="lower right", fontsize=9)
    if target is not None:
        ax.axvline(target, color=VERMILLION, linestyle=":", linewidth=1.6)
    ax.set_xlabel(xlabel or gettext("Mean score (0–100)"))
    ax.set_title(title)
    if frame["small_sample"].any():
        _small_sample_note(figure)
    return figure


@_chart
def segment_figure(
    frame: pd.DataFrame, *, metric: str = "csi", title: str | None = None, xlabel: str | None = None
) -> Figure:
    """CSI (metric="csi") or satisfaction rate (metric="satisfaction_rate", as %) per segment from
    `frames.by_segment`."""
    title = title or gettext("Satisfaction by segment")
    if _is_empty(frame, metric):
        return no_data_figure(title=title)
    figure = _figure((8.0, max(2.5, 0.55 * len(frame) + 1.5)))
    ax = figure.add_subplot()
    values = pd.to_numeric(frame[metric], errors="coerce").to_numpy(dtype=float)
    is_rate = metric == "satisfaction_rate"
    _horizontal_bars(
        ax,
        list(frame["segment"]),
        values * 100 if is_rate else values,
        list(frame["n"]),
        frame["small_sample"].to_numpy(bool),
        unit=" %" if is_rate else "",
    )
    ax.set_xlabel(xlabel or (gettext("Satisfaction rate (%)") if is_rate else gettext("Satisfaction index (CSI)")))
    ax.set_title(title)
    if frame["small_sample"].any():
        _small_sample_note(figure)
    return figure


@_chart
def quadrant_figure(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    note: str = "",
) -> Figure:
    """The importance–performance quadrant from `frames.quadrants`: performance across, importance up,
    split at the means, each quadrant named in the users' terms. The y label says which importance
    (stated or derived); `note` (e.g. a small-sample warning) is printed under the chart."""
    title = title or gettext("Importance–performance analysis")
    if frame.empty:
        return no_data_figure(title=title, message=note or None)
    figure = _figure((8.0, 6.0))
    ax = figure.add_subplot()
    importance_split, performance_split = quadrant_split(frame)
    for code, (colour, marker) in QUADRANT_STYLE.items():
        part = frame[frame["quadrant"] == code]
        if len(part):
            ax.scatter(part["performance"], part["importance"], color=colour, marker=marker, s=70, zorder=3)
    for _, row in frame.iterrows():
        ax.annotate(
            row["dimension"], (row["performance"], row["importance"]), xytext=(6, 4), textcoords="offset points"
        )
    low_x, high_x = _padded(frame["performance"], performance_split)
    low_y, high_y = _padded(frame["importance"], importance_split)
    ax.set_xlim(low_x, high_x)
    ax.set_ylim(low_y, high_y)
    ax.axvline(performance_split, color=GREY, linestyle="--", linewidth=1.2)
    ax.axhline(importance_split, color=GREY, linestyle="--", linewidth=1.2)
    corners = {"focus": (0.02, 0.98), "keep": (0.98, 0.98), "low_priority": (0.02, 0.02), "overkill": (0.98, 0.02)}
    for code, (x, y) in corners.items():
        ax.text(
            x,
            y,
            str(QUADRANT_LABELS[code]),
            transform=ax.transAxes,
            ha="left" if x < 0.5 else "right",
            va="top" if y > 0.5 else "bottom",
            color=QUADRANT_STYLE[code][0],
            fontsize=13,
        )
    ax.set_xlabel(xlabel or gettext("Performance (mean score, 0–100)"))
    ax.set_ylabel(ylabel or gettext("Importance (0–100)"))
    ax.set_title(title)
    if note:
        width = 50 if any(ord(character) > 0x2E80 for character in note) else 90
        _footnote(figure, textwrap.fill(note, width), colour=VERMILLION)
    return figure


def _padded(values: pd.Series, split: float) -> tuple[float, float]:
    """Axis limits around the points and the split line, a tenth of the spread (at least 5) beyond."""
    low, high = min(values.min(), split), max(values.max(), split)
    pad = max(5.0, (high - low) / 10)
    return max(0.0, low - pad), min(105.0, high + pad)


@_chart
def key_driver_figure(
    frame: pd.DataFrame, *, warnings: Sequence[str] = (), title: str | None = None, xlabel: str | None = None
) -> Figure:
    """Relative importance of each dimension from `key_drivers.key_drivers(...).frame`, strongest on top,
    the analysis' warnings printed under the chart so that they travel with it into the report.
    A hatched bar is a dimension whose coefficient is negative (usually overlap with another)."""
    title = title or gettext("Key drivers of overall satisfaction")
    if frame.empty:
        return no_data_figure(title=title, message=" ".join(warnings) or None)
    figure = _figure((8.0, max(2.8, 0.55 * len(frame) + 1.8 + 0.25 * len(warnings))))
    ax = figure.add_subplot()
    y = np.arange(len(frame))[::-1]
    shares = frame["relative_weight"].to_numpy(dtype=float) * 100
    bars = ax.barh(y, shares, color=GREEN, height=0.6)
    for bar, coefficient in zip(bars, frame["coefficient"], strict=True):
        if coefficient < 0:
            bar.set_hatch(SMALL_SAMPLE_HATCH)
    ax.bar_label(bars, [f"{share:.0f} %" for share in shares], padding=3, fontsize=9)
    ax.set_yticks(y, list(frame["dimension"]))
    ax.set_xlim(0, max(100.0, shares.max() * 1.15))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel or gettext("Share of explained variation in overall satisfaction (%)"))
    ax.set_title(title)
    if warnings:
        _footnote(figure, "\n".join(warnings), colour=VERMILLION)
    return figure


@_chart
def nps_figure(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Detractors, passives and promoters as one stacked bar per segment from `frames.nps_breakdown`,
    the NPS written at the end of each bar."""
    title = title or gettext("Net Promoter Score")
    if frame.empty:
        return no_data_figure(title=title)
    figure = _figure((8.0, max(2.2, 0.6 * len(frame) + 1.6)))
    ax = figure.add_subplot()
    y = np.arange(len(frame))[::-1]
    left = np.zeros(len(frame))
    groups = (
        ("detractor_share", VERMILLION, gettext("Detractors (0–6)")),
        ("passive_share", GREY, gettext("Passives (7–8)")),
        ("promoter_share", GREEN, gettext("Promoters (9–10)")),
    )
    for column, colour, label in groups:
        shares = frame[column].to_numpy(dtype=float) * 100
        bars = ax.barh(y, shares, left=left, color=colour, label=label, height=0.6)
        ax.bar_label(
            bars, [f"{s:.0f} %" if s >= 6 else "" for s in shares], label_type="center", color="white", fontsize=9
        )
        left += shares
    for position, (score, n) in zip(y, zip(frame["nps"], frame["n"], strict=True), strict=True):
        ax.text(101, position, f"NPS {score:+.0f}\n(n={n})", va="center", fontsize=9)
    ax.set_yticks(y, [segment or gettext("All") for segment in frame["segment"]])
    ax.set_xlim(0, 118)
    ax.set_xlabel(gettext("Share of answers (%)"))
    ax.grid(visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(frame) < 3 else -0.12), ncols=3, fontsize=9)
    ax.set_title(title)
    return figure


@_chart
def pareto_figure(frame: pd.DataFrame, *, title: str | None = None, ylabel: str | None = None) -> Figure:
    """Counts per category as bars (the vital few darker) and the cumulative share as a line, from
    `frames.pareto`, with the 80 % line."""
    title = title or gettext("Complaints by category (Pareto)")
    if frame.empty:
        return no_data_figure(title=title)
    figure = _figure()
    ax = figure.add_subplot()
    x = np.arange(len(frame))
    colours = [BLUE if vital else SKY_BLUE for vital in frame["vital_few"]]
    bars = ax.bar(x, frame["count"].to_numpy(dtype=float), color=colours, width=0.7)
    ax.bar_label(bars, [str(count) for count in frame["count"]], padding=2, fontsize=9)
    ax.set_xticks(
        x, list(frame["category"]), rotation=30 if len(frame) > 4 else 0, ha="right" if len(frame) > 4 else "center"
    )
    ax.set_ylabel(ylabel or gettext("Number of complaints"))
    ax.grid(axis="x", visible=False)
    cumulative = ax.twinx()
    cumulative.plot(x, frame["cumulative_share"].to_numpy(dtype=float) * 100, color=VERMILLION, marker="o")
    cumulative.axhline(80, color=VERMILLION, linestyle=":", linewidth=1.2)
    cumulative.set_ylim(0, 105)
    cumulative.set_ylabel(gettext("Cumulative share (%)"))
    cumulative.grid(visible=False)
    cumulative.spines["right"].set_visible(True)
    ax.set_title(title)
    return figure


@_chart
def sla_figure(
    frame: pd.DataFrame, *, target: float | None = None, title: str | None = None, ylabel: str | None = None
) -> Figure:
    """On-time share per month from `frames.sla_trend` (as %), with the target (0–1) if given."""
    title = title or gettext("Complaints handled within the SLA by month")
    if _is_empty(frame, "compliance"):
        return no_data_figure(title=title)
    figure = _figure()
    ax = figure.add_subplot()
    compliance = pd.to_numeric(frame["compliance"], errors="coerce") * 100
    _line(ax, compliance, frame["small_sample"], colour=BLUE, marker="o", style="-", label=gettext("On time (%)"))
    if target is not None:
        _target_line(ax, target * 100, VERMILLION, gettext("Target %(value)s %%") % {"value": f"{target * 100:g}"})
    _month_axis(ax, _month_labels(frame))
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel or gettext("On time (%)"))
    ax.set_title(title)
    if frame["small_sample"].any():
        _small_sample_note(figure)
    return figure


@_chart
def resolve_time_figure(frame: pd.DataFrame, *, title: str | None = None, ylabel: str | None = None) -> Figure:
    """How many complaints took how long to resolve, per bin of `frames.resolve_time_distribution`."""
    title = title or gettext("Time to resolve complaints")
    if frame.empty:
        return no_data_figure(title=title)
    figure = _figure()
    ax = figure.add_subplot()
    x = np.arange(len(frame))
    bars = ax.bar(x, frame["count"].to_numpy(dtype=float), color=BLUE, width=0.75)
    ax.bar_label(
        bars,
        [f"{count} ({share:.0%})" for count, share in zip(frame["count"], frame["share"], strict=True)],
        padding=2,
        fontsize=9,
    )
    ax.set_xticks(x, list(frame["bin"]))
    ax.set_ylabel(ylabel or gettext("Number of complaints"))
    ax.set_xlabel(gettext("Time from opening to resolution"))
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    return figure


@_chart
def benchmark_figure(frame: pd.DataFrame, *, title: str | None = None, ylabel: str | None = None) -> Figure:
    """Our score beside each competitor's and benchmark's, grouped by dimension, from
    `frames.benchmark_comparison`; ours is always the first, blue, bar of a group."""
    title = title or gettext("Comparison with competitors and benchmarks")
    if frame.empty:
        return no_data_figure(title=title)
    dimensions = list(dict.fromkeys(frame["dimension"]))
    entries = list(dict.fromkeys(frame.sort_values("kind", key=lambda k: k != "ours", kind="stable")["entry"]))
    scores = frame.pivot_table(index="dimension", columns="entry", values="score", aggfunc="mean")
    scores = scores.reindex(index=dimensions, columns=entries)
    figure = _figure((max(8.0, 1.2 * len(dimensions) * max(1, len(entries)) / 2), 4.8))
    ax = figure.add_subplot()
    width = 0.8 / len(entries)
    x = np.arange(len(dimensions))
    for index, entry in enumerate(entries):
        values = scores[entry].to_numpy(dtype=float)
        bars = ax.bar(
            x - 0.4 + width * (index + 0.5),
            np.nan_to_num(values, nan=0.0),
            width=width * 0.95,
            color=PALETTE[index % len(PALETTE)],
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor="white",
            label=entry,
        )
        ax.bar_label(bars, ["" if math.isnan(v) else f"{v:.0f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(x, dimensions)
    ax.set_ylim(0, 110)
    ax.set_ylabel(ylabel or gettext("Score (0–100)"))
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=min(4, len(entries)), fontsize=9)
    ax.set_title(title)
    return figure
