"""A picture of a computational graph: vertices placed by their distance d(v) to the output
(the output on the right), coloured by d(v), identity vertices inserted by levelling drawn
small and grey-edged, inputs as squares.  Z-IL's wavefront reaches the vertices of one colour
at one step t = d(v).  Only matplotlib (already a dependency); no graph-layout package."""
from __future__ import annotations

from pathlib import Path


def graph_figure(graph, path, title: str | None = None, max_labels: int = 60):
    """Draw ``graph`` to ``path`` (the format from its suffix: .png, .svg, .pdf); returns the path.

    Columns are the longest distance to an output (equal to d(v) on a levelled graph, so a
    column is one wavefront step); within a column vertices keep their topological order.
    Inputs, which carry no error, get their own leftmost column."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import cm
    from matplotlib.colors import Normalize

    d, longest = graph.distance, graph.longest
    top = max(longest.values()) + 1
    column = {v.name: (top if v.is_input else longest[v.name]) for v in graph.vertices}
    slots: dict[int, list[str]] = {}
    for v in graph.vertices:
        slots.setdefault(column[v.name], []).append(v.name)
    pos = {}
    for c, names in slots.items():
        for k, n in enumerate(names):
            pos[n] = (-c, (len(names) - 1) / 2 - k)
    dmax = max((d[n] for n in graph.computed), default=1) or 1
    norm, cmap = Normalize(0, dmax), matplotlib.colormaps["viridis"]
    height = max(len(s) for s in slots.values())
    fig, ax = plt.subplots(figsize=(min(2 + 1.1 * (top + 1), 40), min(1.5 + 0.9 * height, 30)))
    for v in graph.vertices:
        for p in v.parents:
            (x0, y0), (x1, y1) = pos[p], pos[v.name]
            bent = abs(x1 - x0) > 1   # over columns: bent, so it does not hide behind the chain
            skip = bent and not graph.by_name[p].is_input   # what makes a graph not levelled: red
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops=dict(arrowstyle="-|>", color="tab:red" if skip else "0.55", lw=0.8,
                                        shrinkA=9, shrinkB=9,
                                        connectionstyle=f"arc3,rad={-0.35 if bent else 0}"))
    label = len(graph.vertices) <= max_labels
    for v in graph.vertices:
        x, y = pos[v.name]
        ident = v.primitive == "identity"
        colour = "white" if v.is_input else cmap(norm(d[v.name]))
        ax.scatter([x], [y], s=90 if ident else 420, marker="s" if v.is_input else "o", c=[colour],
                   edgecolors="0.4" if ident else "black", linewidths=1.0, zorder=3)
        if label and not ident:
            name = v.name if len(v.name) <= 8 else v.name[:7] + "…"
            ax.annotate(f"{name}\n{v.primitive}" + ("" if v.is_input else f", d={d[v.name]}"), (x, y),
                        xytext=(0, -17), textcoords="offset points", ha="center", va="top", fontsize=7)
    sm = cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.02, label="d(v): distance to the output")
    bar.set_ticks(range(0, dmax + 1, max(1, (dmax + 7) // 8)))
    ax.set_title(title or graph.describe(), fontsize=9)
    ax.set_axis_off()
    ax.margins(0.12)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
