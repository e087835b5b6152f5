"""A study's Markdown table and picture (histogram of R_{N,theta}, best theta and bounds as lines).

matplotlib (extra ``plot``) is imported only when :func:`plot_study` is called,
through its object API with the Agg canvas (no ``pyplot``, no global state).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidParameterError
from ..outfiles import save_figure
from .core import QUANTILES, StudyResult

__all__ = ["SHORT_LABELS", "markdown", "plot_study", "save_study_plot"]


def _value(value) -> str:
    return "n/a" if value is None else f"{value:,}"


def markdown(result: StudyResult, title: str) -> str:
    """The study as Markdown: the draws, the best theta found, and every bound with its verdict."""
    data = result.to_dict()
    seeds = result.draws[0][0], result.draws[-1][0]
    quantiles = ", ".join(f"{q:g}: {data['quantiles'][str(q)]:g}" for q in QUANTILES)
    lines = [
        f"## Tightness study: {title}", "",
        f"{result.architecture.describe()}; {len(result.draws)} He-initialised draws (seeds {seeds[0]}..{seeds[1]}), "
        f"then {result.search_steps} exact counts searching for the maximum ({result.strategy}).", "",
        "| | regions |", "|---|---:|",
        f"| draws: mean | {data['mean']:.1f} |",
        f"| draws: min..max | {data['min']:,}..{data['max']:,} |",
        f"| draws: quantiles | {quantiles} |",
        f"| best theta found ({result.best_found}; recounted from its file) | **{result.best_regions:,}** |", "",
        "| bound | kind | value | best / bound | verdict for the best theta |", "|---|---|---:|---:|---|",
    ]
    for check in data["bounds"]:
        ratio = "" if check["ratio"] is None else f"{check['ratio']:.3g}"
        verdict = check["verdict"] if check["value"] is not None else f"does not apply: {check['reason']}"
        lines.append(f"| {check['label']} | {check['kind']} | {_value(check['value'])} | {ratio} | {verdict} |")
    lines += ["", f"Tightness: {data['tightness']}.", ""]
    lines += [f"Note: {note}" for note in data["notes"]]
    lines.append(f"\n{data['counts']['run']} counts run, {data['counts']['reused_from_checkpoint']} reused from the "
                 f"checkpoint; {result.seconds:.1f} s on {result.n_jobs} job(s) ({result.backend}).")
    return "\n".join(lines) + "\n"


#: The bounds' names in the picture.
SHORT_LABELS = {"lemma2": "Lemma 2", "theorem1": "Theorem 1", "eq4": "eq. (4)", "theorem5_upper": "Theorem 5 upper",
                "theorem5_upper_table2": "Theorem 5 upper (Table 2)", "theorem5_lower": "Theorem 5 lower"}


def plot_study(result: StudyResult, title: str, *, figsize=(10.0, 4.6), dpi: int = 120):
    """Histogram of the draws' counts (log axis) with the best theta and every bound as vertical lines.

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InvalidParameterError(
            "Drawing a study needs matplotlib (pip install 'cnnregions[plot]'). Got no matplotlib module instead.") from None
    from matplotlib.ticker import MaxNLocator

    counts = result.counts
    lines = [(c.value, SHORT_LABELS.get(c.key, c.label), c.kind) for c in result.checks if c.value is not None]
    values = [v for v, _, _ in lines] + [result.best_regions, int(counts.min())]
    lo, hi = max(min(values) / 1.5, 0.8), max(values) * 1.5
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    bins = np.geomspace(max(counts.min(), 1) / 1.05, counts.max() * 1.05, 16).tolist()
    ax.hist(counts, bins=bins, color="C0", alpha=0.7, label=f"R(N, θ) of {len(counts)} He draws")
    ax.axvline(result.best_regions, color="C2", linewidth=2.5, label=f"best θ found: {result.best_regions:,}")
    styles = {"upper": ("--", "0.35"), "lower": (":", "C3")}
    for value, label, kind in sorted(lines, key=lambda item: float(item[0])):
        style, color = styles[kind]
        ax.axvline(float(value), linestyle=style, color=color, linewidth=1.4)
        ax.annotate(f"{label}: {value:,}", (float(value), 1.0), xycoords=("data", "axes fraction"), rotation=90,
                    va="top", ha="right", fontsize=7, color=color)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # draws are whole numbers
    ax.set_xlabel("linear regions (log scale); dashed: upper bounds, dotted: Theorem 5's lower bound")
    ax.set_ylabel("draws")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)  # beside the data
    fig.tight_layout()
    return fig


def save_study_plot(result: StudyResult, path: str | os.PathLike, title: str) -> None:
    """:func:`plot_study` written to ``path`` (format from the suffix)."""
    save_figure(plot_study(result, title), path)
