"""insurance-optimise's charts (EfficientFrontier.plot, ParetoResult.plot and plot_3d) with the same
arguments and look, drawn with matplotlib when it is importable.  rateopt needs no matplotlib otherwise;
the CLI's SVG charts (FrontierResult.svg(), ParetoSurface.svg()) need none at all."""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np


def _pyplot(what: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"{what} draws with matplotlib, which is not installed: pip install matplotlib") from None
    return plt


def _label(metric: str) -> str:
    return metric.replace("_", " ").title()


def _column(rows: Sequence[Mapping[str, Any]], name: str) -> np.ndarray:
    return np.array([np.nan if row[name] is None else row[name] for row in rows], dtype=float)


def frontier(
    points: Sequence[Mapping[str, Any]],
    sweep_param: str,
    x_metric: str,
    y_metric: str,
    figsize: tuple[float, float],
    title: str | None,
) -> None:
    """The converged points of a frontier as a line of y_metric against x_metric."""
    plt = _pyplot("EfficientFrontier.plot()")
    converged = [p for p in points if p["converged"]]
    if not converged:
        warnings.warn("No converged frontier points to plot.", stacklevel=3)
        return
    _, ax = plt.subplots(figsize=figsize)
    ax.plot(_column(converged, x_metric), _column(converged, y_metric), "o-", color="#1f77b4", linewidth=2, markersize=6)
    ax.set_xlabel(_label(x_metric))
    ax.set_ylabel(_label(y_metric))
    ax.set_title(title or f"Efficient Frontier: {y_metric} vs {x_metric} (sweep={sweep_param})")
    ax.grid(True, alpha=0.3)
    plt.tight_layout()
    plt.show()


def _annotate(ax: Any, row: Mapping[str, Any], x_metric: str, y_metric: str, text: str, offset: tuple[int, int]) -> None:
    ax.annotate(text, (row[x_metric], row[y_metric]), xytext=offset, textcoords="offset points", fontsize=8)


def pareto_2d(
    rows: Sequence[Mapping[str, Any]],
    x_metric: str,
    y_metric: str,
    color_metric: str,
    figsize: tuple[float, float],
    title: str | None,
    show_colorbar: bool,
    annotate_extremes: bool,
) -> None:
    """Every converged point of a surface (faded) and the non-dominated ones (solid), coloured by
    color_metric; the extremes of the front annotated."""
    plt = _pyplot("ParetoResult.plot()")
    converged = [r for r in rows if r["converged"]]
    front = [r for r in converged if r["on_front"]]
    if not converged:
        warnings.warn("No converged solutions to plot.", stacklevel=3)
        return
    _, ax = plt.subplots(figsize=figsize)
    ax.scatter(
        _column(converged, x_metric),
        _column(converged, y_metric),
        c=_column(converged, color_metric),
        cmap="Blues",
        alpha=0.3,
        s=50,
        label="Converged (dominated)",
    )
    if front:
        solid = ax.scatter(
            _column(front, x_metric),
            _column(front, y_metric),
            c=_column(front, color_metric),
            cmap="Blues",
            edgecolors="navy",
            linewidths=1.0,
            s=100,
            label="Pareto-optimal",
        )
        if show_colorbar:
            plt.colorbar(solid, ax=ax, label=_label(color_metric))
        if annotate_extremes:
            _annotate(ax, front[int(np.argmax(_column(front, color_metric)))], x_metric, y_metric, "Max profit", (10, -15))
            if x_metric == "retention":
                _annotate(ax, front[int(np.argmax(_column(front, x_metric)))], x_metric, y_metric, "Max retention", (10, 5))
            if y_metric == "fairness":
                _annotate(ax, front[int(np.argmin(_column(front, y_metric)))], x_metric, y_metric, "Min disparity", (10, 5))
    ax.set_xlabel(_label(x_metric))
    ax.set_ylabel(_label(y_metric))
    ax.set_title(title or f"Pareto Surface: {y_metric} vs {x_metric} (colour = {color_metric})")
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, alpha=0.3)
    plt.tight_layout()
    plt.show()


def pareto_3d(rows: Sequence[Mapping[str, Any]], figsize: tuple[float, float]) -> None:
    """(profit, retention, fairness) of every converged point, the non-dominated ones in a contrasting
    colour."""
    plt = _pyplot("ParetoResult.plot_3d()")
    converged = [r for r in rows if r["converged"]]
    front = [r for r in converged if r["on_front"]]
    fig = plt.figure(figsize=figsize)
    ax = fig.add_subplot(111, projection="3d")

    def scatter(points: Sequence[Mapping[str, Any]], **style: Any) -> None:
        ax.scatter(_column(points, "profit"), _column(points, "retention"), _column(points, "fairness"), **style)

    if converged:
        scatter(converged, c="steelblue", alpha=0.25, s=30, label="Converged (dominated)")
    if front:
        scatter(front, c="crimson", edgecolors="darkred", s=80, linewidths=0.8, label="Pareto-optimal")
    ax.set_xlabel("Profit (£)")
    ax.set_ylabel("Retention")
    ax.set_zlabel("Fairness Disparity Ratio")
    ax.set_title("3D Pareto Surface: Profit vs Retention vs Fairness")
    ax.legend(fontsize=8)
    plt.tight_layout()
    plt.show()
