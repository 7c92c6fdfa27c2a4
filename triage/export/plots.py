"""The evidence-over-time plot: accepted evidence per member across the compliance period.

A pure function of the matrix data (`Timeline`), rendered on the server with matplotlib's
Agg canvas (no display, no pyplot global state, so it is safe in a web worker). SVG keeps
text as text, escaped by matplotlib's SVG writer; output is deterministic (fixed hash
salt, no creation date) so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: never a GUI backend on a server

from matplotlib import dates as mdates
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from triage.scoring.matrix import Timeline

FORMATS = ("svg", "png")


def evidence_plot(timeline: Timeline, fmt: str = "svg", title: str | None = None, width: float = 8.0, height: float = 4.5) -> bytes:
    """Cumulative accepted evidence per member over the compliance period, as SVG or PNG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"plot format must be one of {', '.join(FORMATS)}")
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "triage", "font.size": 9}):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        end = max(timeline.end, timeline.start + dt.timedelta(days=1))
        for key, name in timeline.members:
            steps = timeline.cumulative(key)
            if len(steps) == 1:
                continue  # nothing for this member in the period
            xs = [d for d, _n in steps] + [end]
            ys = [n for _d, n in steps] + [steps[-1][1]]
            ax.step(xs, ys, where="post", label=f"{name} ({steps[-1][1]})")
        ax.set_xlim(timeline.start, end)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Accepted evidence (items, cumulative)")
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.set_title(title or f"Accepted evidence, {timeline.start:%d %b %Y} to {timeline.end:%d %b %Y}")
        ax.grid(True, alpha=0.3)
        if timeline.total:
            ax.legend(loc="upper left", fontsize=8)
        else:
            ax.text(0.5, 0.5, "No accepted evidence yet", transform=ax.transAxes, ha="center", va="center")
        fig.autofmt_xdate()
        buf = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, metadata=metadata, bbox_inches="tight", dpi=100)
    return buf.getvalue()
