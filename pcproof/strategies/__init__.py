"""Hypothesis strategies (import them in your own tests) and the seeded samplers ``pcproof
fuzz`` draws from, for layered networks and for computational graphs.

* :mod:`.basic`: small exact rationals, simplest first, and hypothesis loaded on first use;
* :mod:`.layered`: networks, points and conditions of the layered theorems (:func:`cases`,
  :class:`Space`; docs/strategies.md);
* :mod:`.graph`: random DAGs for the graph theorems (:func:`dags`, :func:`graph_cases`,
  :class:`GraphSpace`; docs/graphs.md), drawn from plain lists so a failure shrinks to the
  fewest vertices and the smallest widths.

Both draw from :mod:`.basic` and neither imports the other, so this package imports no cycle;
``pcproof.strategies_graph`` (the old home of the graph strategies) still works.  Importing
this package does not import hypothesis (a passing fuzz run never loads it).

An example (a user's own rule, checked against BP in their pytest suite) is in
:mod:`.layered`'s docstring and docs/strategies.md.
"""
from __future__ import annotations

from .basic import rational_values, rationals
from .graph import (GRAPH_ACTIVATIONS, KINDS, GraphCase, GraphSpace, build_dag, dags, graph_cases, point_for,
                    vertex_specs)
from .layered import (ACTIVATIONS, ALPHAS, DEFAULT, GAMMAS, SPECIAL, Case, Space, activations, architectures, cases,
                      conditions, params, special_point, widths)

__all__ = ["Space", "Case", "DEFAULT", "ACTIVATIONS", "GAMMAS", "ALPHAS", "SPECIAL", "special_point", "widths",
           "activations", "architectures", "rational_values", "rationals", "params", "conditions", "cases",
           "GraphSpace", "GraphCase", "KINDS", "GRAPH_ACTIVATIONS", "build_dag", "point_for", "vertex_specs",
           "dags", "graph_cases"]
