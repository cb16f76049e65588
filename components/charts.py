"""Pure plotly figure builders: a frame in, a figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.theme import FONT_FAMILY, bucket_colours


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
