"""Pure plotly figure builders: a frame in, a figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.safe import chart_text
from components.theme import FONT_FAMILY, HEAT_SCALE, bucket_colours


def aging_bar(frame: pd.DataFrame, currency: str, title: str | None = None) -> go.Figure:
    """Bar per bucket; `frame` has columns label and amount (float) in bucket order."""
    fig = go.Figure(
        go.Bar(
            x=frame["label"],
            y=frame["amount"],
            marker_color=bucket_colours(len(frame)),
            hovertemplate="%{x}: %{y:,.2f} " + currency + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        font_family=FONT_FAMILY,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        yaxis_title=currency,
        xaxis_title=None,
        height=320,
    )
    return fig


def aging_stacked_bars(
    frame: pd.DataFrame,
    category: str,
    buckets: list[str],
    currency: str,
    horizontal: bool = False,
    height: int = 320,
    names: dict[str, str] | None = None,
    title: str | None = None,
    separators: str = ".,",
    legend: bool = True,
    biggest_first: bool = False,
) -> go.Figure:
    """Bucket amounts stacked per category (a month-end, a country, a segment, ...).

    `frame` has the column `category` and one float column per bucket label in `buckets`, in bucket order;
    negative amounts (credits) stack below zero. `names` maps a bucket label to its legend text. Horizontal
    bars keep the frame's order, or put the biggest total on top with `biggest_first`. Without a legend the
    bucket colours must be explained nearby (e.g. by an aging bar with one).
    """
    names = names or {}
    fig = go.Figure()
    for label, colour in zip(buckets, bucket_colours(len(buckets)), strict=True):
        values = frame[label]
        # a segment or a customer name is a label, never markup; dates stay dates
        cats = frame[category].map(lambda v: chart_text(v) if isinstance(v, str) else v)
        cat_axis, val_axis = ("y", "x") if horizontal else ("x", "y")
        name = names.get(label, label)
        fig.add_trace(
            go.Bar(
                name=name,
                x=values if horizontal else cats,
                y=cats if horizontal else values,
                orientation="h" if horizontal else "v",
                marker_color=colour,
                hovertemplate=f"%{{{cat_axis}}} · {name}: %{{{val_axis}:,.2f}} {currency}<extra></extra>",
            )
        )
    _question_layout(fig, title, height, separators, legend)
    fig.update_layout(barmode="relative")
    if horizontal:
        fig.update_xaxes(title_text=currency, exponentformat="B")
        if biggest_first:
            fig.update_yaxes(type="category", categoryorder="total ascending", ticksuffix="  ")
        else:
            fig.update_yaxes(type="category", autorange="reversed", ticksuffix="  ")
    else:
        fig.update_layout(yaxis_title=currency, xaxis={"type": "category"})
    return fig


# --- customer page ---------------------------------------------------------------------------------


def _customer_layout(fig: go.Figure, height: int, yaxis_title: str | None) -> go.Figure:
    fig.update_layout(
        font_family=FONT_FAMILY,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=height,
        yaxis_title=yaxis_title,
        xaxis_title=None,
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
    )
    return fig


def payment_behaviour_chart(
    frame: pd.DataFrame, line: tuple[float, float] | None, names: dict[str, str], height: int = 360
) -> go.Figure:
    """Days late per paid invoice over time: points, their rolling mean, a trend line and a zero line "on time".

    `frame` has columns date (paid, datetime), day (day number of date), days_late, rolling (the rolling mean)
    and hover (text per point). `line` is (slope, intercept) over day numbers, drawn between the first and the
    last point. `names` gives the legend and axis texts: points, rolling, trend, on_time, yaxis.
    """
    from components.theme import LATE_POINT, ON_TIME, ROLLING_MEAN, TREND_LINE

    fig = go.Figure()
    fig.add_hline(
        y=0,
        line_dash="dash",
        line_color=ON_TIME,
        annotation_text=names["on_time"],
        annotation_position="top left",
        annotation_font_color=ON_TIME,
    )
    fig.add_trace(
        go.Scatter(
            x=frame["date"],
            y=frame["days_late"],
            mode="markers",
            name=names["points"],
            marker={"color": LATE_POINT, "size": 7, "opacity": 0.75},
            text=frame["hover"],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=frame["date"],
            y=frame["rolling"],
            mode="lines",
            name=names["rolling"],
            line={"color": ROLLING_MEAN, "width": 3},
            hovertemplate="%{y:.1f}<extra>" + names["rolling"] + "</extra>",
        )
    )
    if line is not None and len(frame) > 1:
        slope, intercept = line
        ends = frame.iloc[[0, -1]]
        fig.add_trace(
            go.Scatter(
                x=ends["date"],
                y=[slope * d + intercept for d in ends["day"]],
                mode="lines",
                name=names["trend"],
                line={"color": TREND_LINE, "width": 2, "dash": "dot"},
                hoverinfo="skip",
            )
        )
    return _customer_layout(fig, height, names["yaxis"])


def flows_chart(frame: pd.DataFrame, currency: str, names: dict[str, str], height: int = 300) -> go.Figure:
    """Invoiced versus paid per month as grouped bars; `frame` has columns label (month text), invoiced, paid
    (floats); `names` gives the legend texts: invoiced, paid."""
    from components.theme import INVOICED, PAID

    fig = go.Figure()
    for col, colour in (("invoiced", INVOICED), ("paid", PAID)):
        fig.add_trace(
            go.Bar(
                x=frame["label"],
                y=frame[col],
                name=names[col],
                marker_color=colour,
                hovertemplate="%{x} · " + names[col] + ": %{y:,.2f} " + currency + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", xaxis={"type": "category"})
    return _customer_layout(fig, height, currency)


def score_chart(frame: pd.DataFrame, names: dict[str, str], height: int = 300) -> go.Figure:
    """Credit score over report dates; `frame` has columns report_date, score, remarks_count and hover (text per
    report, e.g. the rating); reports with remarks get a marker of their own. `names`: score, remarks, yaxis."""
    from components.theme import REMARK, SCORE_LINE

    fig = go.Figure(
        go.Scatter(
            x=frame["report_date"],
            y=frame["score"],
            mode="lines+markers",
            name=names["score"],
            line={"color": SCORE_LINE, "width": 2, "shape": "hv"},
            marker={"size": 7},
            text=frame["hover"],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    flagged = frame[frame["remarks_count"] > 0]
    if len(flagged):
        fig.add_trace(
            go.Scatter(
                x=flagged["report_date"],
                y=flagged["score"],
                mode="markers",
                name=names["remarks"],
                marker={"color": REMARK, "size": 13, "symbol": "x"},
                text=flagged["hover"],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return _customer_layout(fig, height, names["yaxis"])


# --- portfolio page ------------------------------------------------------------------------------------


def _question_layout(fig: go.Figure, title: str | None, height: int, separators: str, legend: bool = True) -> None:
    """Shared look of the portfolio charts: the question as a left-aligned title, the legend under it."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 16}},
        font_family=FONT_FAMILY,
        separators=separators,
        height=height,
        margin={"l": 10, "r": 10, "t": 80 if title and legend else 45 if title else 10, "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0,
            "traceorder": "normal",
            "font": {"size": 12},
        },
        showlegend=legend,
        hoverlabel={"font_family": FONT_FAMILY},
    )


def aging_composition_bar(
    frame: pd.DataFrame, currency: str, title: str | None = None, separators: str = ".,", height: int = 190
) -> go.Figure:
    """The whole book as one horizontal bar, split into its aging buckets; `frame` has columns label (legend
    text) and amount (float) in bucket order. Credits (negative buckets) stack below zero."""
    fig = go.Figure()
    for (_, row), colour in zip(frame.iterrows(), bucket_colours(len(frame)), strict=True):
        fig.add_trace(
            go.Bar(
                name=row["label"],
                x=[row["amount"]],
                y=[""],
                orientation="h",
                marker_color=colour,
                text=[row["amount"]],
                texttemplate="%{x:.3s}",
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate=f"{row['label']}: %{{x:,.2f}} {currency}<extra></extra>",
            )
        )
    _question_layout(fig, title, height, separators)
    fig.update_layout(barmode="relative", uniformtext={"minsize": 11, "mode": "hide"})
    fig.update_xaxes(title_text=currency, exponentformat="B", zeroline=True)
    fig.update_yaxes(showticklabels=False)
    return fig


def ar_trend_chart(
    frame: pd.DataFrame,
    buckets: list[str],
    shares: dict[str, str],
    currency: str,
    line_colours: tuple[str, ...],
    title: str | None = None,
    share_axis: str = "%",
    separators: str = ".,",
    height: int = 400,
    bucket_legend: bool = True,
) -> go.Figure:
    """Month-end AR as bars stacked by bucket (left axis) with share lines in percent (right axis).

    `frame` has the column `month` (axis label, oldest first), one float column per bucket in `buckets` and
    one float column per key of `shares` (column -> legend text), values already in percent."""
    fig = go.Figure()
    for label, colour in zip(buckets, bucket_colours(len(buckets)), strict=True):
        fig.add_trace(
            go.Bar(
                name=label,
                x=frame["month"],
                y=frame[label],
                marker_color=colour,
                opacity=0.85,
                legendgroup="buckets",
                showlegend=bucket_legend,
                hovertemplate=f"%{{x}} · {label}: %{{y:,.2f}} {currency}<extra></extra>",
            )
        )
    dashes = ("solid", "dash", "dot")
    for i, (col, name) in enumerate(shares.items()):
        fig.add_trace(
            go.Scatter(
                name=name,
                x=frame["month"],
                y=frame[col],
                yaxis="y2",
                mode="lines+markers",
                line={"color": line_colours[i % len(line_colours)], "width": 2.5, "dash": dashes[i % len(dashes)]},
                legendgroup="shares",
                hovertemplate=f"%{{x}} · {name}: %{{y:.1f}}%<extra></extra>",
            )
        )
    _question_layout(fig, title, height, separators)
    fig.update_layout(
        barmode="relative",
        xaxis={"type": "category"},
        yaxis={"title": currency, "exponentformat": "B"},
        yaxis2={
            "title": share_axis,
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickformat": ".0f",
            "tickmode": "auto",
            "nticks": 6,
            "zeroline": False,
        },
    )
    fig.update_xaxes(tickangle=-45)
    return fig


def dso_trend_chart(
    frame: pd.DataFrame,
    name: str,
    colour: str,
    title: str | None = None,
    axis_title: str | None = None,
    separators: str = ".,",
    height: int = 400,
) -> go.Figure:
    """One line of days over month-ends, the latest value written at its point; `frame` has columns month
    (axis label) and days (float or None)."""
    last = len(frame) - 1
    fig = go.Figure(
        go.Scatter(
            name=name,
            x=frame["month"],
            y=frame["days"],
            mode="lines+markers+text",
            line={"color": colour, "width": 2.5},
            texttemplate=["" if i < last else "%{y:.1f}" for i in range(len(frame))],
            textposition="top center",
            textfont={"size": 14, "color": colour},
            hovertemplate=f"%{{x}} · {name}: %{{y:.1f}}<extra></extra>",
        )
    )
    _question_layout(fig, title, height, separators, legend=False)
    fig.update_layout(xaxis={"type": "category", "tickangle": -45}, yaxis={"title": axis_title, "rangemode": "tozero"})
    return fig


# --- risk classes ----------------------------------------------------------------------------------


def class_aging_heatmap(
    frame: pd.DataFrame,
    buckets: list[str],
    currency: str,
    title: str | None = None,
    separators: str = ".,",
    height: int = 300,
) -> go.Figure:
    """Exposure per risk class (rows, A on top) and aging bucket (columns); `frame` has the column `class` and one
    float column per bucket label. Darker is more money; every cell is labelled with its amount."""
    z = frame[buckets].to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=buckets,
            y=frame["class"],
            colorscale=[list(p) for p in HEAT_SCALE],
            zmin=0,
            texttemplate="%{z:.3s}",
            hovertemplate=f"%{{y}} · %{{x}}: %{{z:,.2f}} {currency}<extra></extra>",
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    _question_layout(fig, title, height, separators, legend=False)
    fig.update_yaxes(type="category", autorange="reversed", ticksuffix="  ")
    fig.update_xaxes(type="category", side="top")
    return fig
