"""PNG export of the report's charts (``mfaguard report --png DIR``), drawn with matplotlib's Agg backend.

The same series as the HTML charts (``html.chart_sets``), for slides, wikis and tickets.
"""

from __future__ import annotations

from pathlib import Path

from mfaguard.errors import MissingExtraError
from mfaguard.report.html import ReportData, chart_sets
from mfaguard.report.svg import PALETTE

__all__ = ["write_pngs"]


def write_pngs(data: ReportData, directory: str | Path, *, dpi: int = 110) -> list[Path]:
    """One PNG per chart (org, accounts, teams) in ``directory``; returns the files written."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display, no GUI toolkit
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise MissingExtraError("report", "matplotlib") from None
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, title, series in chart_sets(data):
        fig, ax = plt.subplots(figsize=(10, 4.2), dpi=dpi)
        try:
            for index, line in enumerate(series):
                if not line.points:
                    continue
                xs = [t for t, _ in line.points]
                ys = [v for _, v in line.points]
                ax.plot(xs, ys, marker="o", markersize=3, linewidth=2, color=PALETTE[index % len(PALETTE)],
                        label=line.label)
            if not any(s.points for s in series):
                ax.text(0.5, 0.5, "no audits in this period", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(title, loc="left", fontsize=12)
            ax.set_ylim(0, 103)  # room for a line at 100%
            ax.set_yticks([0, 25, 50, 75, 100])
            ax.set_ylabel("MFA adoption (%)")
            ax.grid(axis="y", color="#eef1f4")
            ax.spines[["top", "right"]].set_visible(False)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
            if len(series) > 1:
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
            fig.tight_layout()
            path = target / f"mfa-adoption-{name}.png"
            fig.savefig(path)
            written.append(path)
        finally:
            plt.close(fig)
    return written
