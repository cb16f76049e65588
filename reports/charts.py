"""Static charts for the PDF reports: plain numbers in, PNG bytes out (matplotlib's object API on Agg, the shared
theme's colours, DejaVu Sans). The same data gives the same bytes: fixed size and dpi, no software or date
metadata in the PNG. matplotlib is imported inside the builders, so importing this module costs nothing."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.numbers import format_compact_decimal

from components.theme import (
    CLASS_COLOURS,
    HEAT_SCALE,
    NEGATIVE,
    PRIMARY,
    TREND_LINE_COLOURS,
    bucket_colours,
)
from reports.pdf import check_lang, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Number = Decimal | int | float | None

DPI = 150
WIDTH_IN = 6.7  # 170 mm: the A4 page's text width with 18 mm margins, less a little air
FONT_SIZE = 8
GRID = "#d9d9d9"
TEXT = "#333333"
# one matplotlib render at a time: its font cache and the rcParams context are process-wide
_LOCK = threading.Lock()


def compact(value: float, lang: str) -> str:
    """An axis tick in few characters: en 1.2M, nb 1,2 mill."""
    if value == 0:
        return "0"
    return format_compact_decimal(value, format_type="short", locale=check_lang(lang), fraction_digits=1)


def _floats(values: Sequence[Number]) -> list[float]:
    # the display boundary: amounts become floats only to be drawn
    return [float("nan") if v is None else float(v) for v in values]


def _render(draw: Callable[[Figure], None], height_in: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    rc = {
        "font.family": "DejaVu Sans",
        "font.size": FONT_SIZE,
        "axes.edgecolor": GRID,
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "svg.hashsalt": "kredittvakt",
    }
    with _LOCK, matplotlib.rc_context(rc):
        fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        # no "Software" text chunk and no creation time: identical bytes on every run
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def _money_axis(ax: Axes, lang: str, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: compact(v, lang))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _percent_axis(ax: Axes, lang: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{number(Decimal(round(v)), lang)} %"))


def aging_bar_chart(
    labels: Sequence[str],
    amounts: Sequence[Number],
    *,
    lang: str,
    currency: str,
    credits: Number = None,
    credits_label: str = "",
    title: str | None = None,
) -> bytes:
    """One bar per bucket, coloured from calm to alarming, with the amount above each bar; unapplied credits
    (negative) as a grey bar of their own at the end when `credits` is given and not zero."""
    check_lang(lang)
    names = list(labels)
    values = _floats(amounts)
    colours = bucket_colours(len(names))
    if credits is not None and Decimal(str(credits)) != 0:
        names.append(credits_label)
        values.append(float(credits))
        colours.append(NEGATIVE)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        x = list(range(len(names)))
        bars = ax.bar(x, values, color=colours, width=0.7)
        ax.set_xticks(x, names)
        ax.axhline(0, color=TEXT, linewidth=0.6)
        ax.grid(axis="y", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        _money_axis(ax, lang)
        ax.set_ylabel(currency)
        ax.bar_label(bars, labels=[compact(v, lang) for v in values], padding=2, fontsize=FONT_SIZE - 1)
        ax.margins(y=0.15)
        if title:
            ax.set_title(title, loc="left", fontsize=FONT_SIZE + 1, color=TEXT)

    return _render(draw, 2.4)


def _heat_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("kredittvakt_heat", [(p, c) for p, c in HEAT_SCALE])


def class_aging_heat_map(
    classes: Sequence[str],
    bucket_labels: Sequence[str],
    heat: Sequence[Sequence[Number]],
    *,
    lang: str,
    currency: str,
    title: str | None = None,
) -> bytes:
    """Risk class (rows, best on top) by aging bucket (columns): amounts as cells shaded white to deep red,
    each cell labelled with its amount; the class names in their class colours."""
    check_lang(lang)
    if len(heat) != len(classes) or any(len(r) != len(bucket_labels) for r in heat):
        raise ValueError(
            f"heat map shape {len(heat)}x{[len(r) for r in heat]} does not match "
            f"{len(classes)} classes x {len(bucket_labels)} buckets"
        )
    grid = [_floats(r) for r in heat]
    top = max((v for r in grid for v in r), default=0.0)
    top = top if top > 0 else 1.0

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        image = ax.imshow(grid, cmap=_heat_cmap(), vmin=0, vmax=top, aspect="auto")
        ax.set_xticks(range(len(bucket_labels)), list(bucket_labels))
        ax.set_yticks(range(len(classes)), list(classes))
        for tick, cls in zip(ax.get_yticklabels(), classes, strict=True):
            tick.set_color(CLASS_COLOURS.get(cls, TEXT))
            tick.set_fontweight("bold")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                if v != 0:
                    dark = v / top > 0.55
                    ax.text(
                        j,
                        i,
                        compact(v, lang),
                        ha="center",
                        va="center",
                        fontsize=FONT_SIZE - 1,
                        color="white" if dark else TEXT,
                    )
        bar = fig.colorbar(image, ax=ax, shrink=0.9, pad=0.02)
        bar.ax.yaxis.set_major_formatter(_compact_formatter(lang))
        bar.set_label(currency)
        if title:
            ax.set_title(title, loc="left", fontsize=FONT_SIZE + 1, color=TEXT)

    return _render(draw, 0.5 + 0.35 * max(len(classes), 1))


def _compact_formatter(lang: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: compact(v, lang))


def trend_chart(
    months: Sequence[str],
    totals: Sequence[Number],
    overdue_share: Sequence[Number],
    dso: Sequence[Number],
    cei: Sequence[Number],
    *,
    lang: str,
    currency: str,
    names: dict[str, str],
) -> bytes:
    """Three small multiples over the same months: AR at month-end (bars), overdue share and CEI (percent,
    lines), DSO (days, line). `names` gives the panels' titles: keys ar, overdue, cei, dso. A missing value
    (None) leaves a gap in its line."""
    check_lang(lang)
    n = len(months)
    for key, series in (("totals", totals), ("overdue_share", overdue_share), ("dso", dso), ("cei", cei)):
        if len(series) != n:
            raise ValueError(f"trend series {key} has {len(series)} values for {n} months")
    missing = {"ar", "overdue", "cei", "dso"} - set(names)
    if missing:
        raise ValueError(f"trend chart names missing for {', '.join(sorted(missing))}")

    def draw(fig: Figure) -> None:
        axes = fig.subplots(3, 1, sharex=True, height_ratios=(1.3, 1, 1))
        x = list(range(n))
        ar, shares, days = axes
        ar.bar(x, _floats(totals), color=PRIMARY, width=0.65)
        ar.set_title(f"{names['ar']} ({currency})", loc="left", fontsize=FONT_SIZE + 1, color=TEXT)
        _money_axis(ar, lang)
        shares.plot(x, _floats(overdue_share), color=TREND_LINE_COLOURS[0], marker="o", ms=3, label=names["overdue"])
        shares.plot(x, _floats(cei), color=TREND_LINE_COLOURS[1], marker="s", ms=3, label=names["cei"])
        shares.set_title(f"{names['overdue']} / {names['cei']} (%)", loc="left", fontsize=FONT_SIZE + 1, color=TEXT)
        _percent_axis(shares, lang)
        # above the panel on the right, clear of the lines and of the title on the left
        shares.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=FONT_SIZE - 1, borderaxespad=0.2)
        days.plot(x, _floats(dso), color=TREND_LINE_COLOURS[2], marker="o", ms=3)
        days.set_title(names["dso"], loc="left", fontsize=FONT_SIZE + 1, color=TEXT)
        for ax in axes:
            ax.grid(axis="y", color=GRID, linewidth=0.5)
            ax.set_axisbelow(True)
        days.set_xticks(x, list(months), rotation=0)
        shares.margins(y=0.2)

    return _render(draw, 4.6)
