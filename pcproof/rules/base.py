"""What a learning rule is: a map from (network, training pair) to weight updates."""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any

from ..userfile import UserCodeError

#: An update set: ("theta", l+1) → Δθ^{l+1} and ("b", l) → Δb^l.
Updates = dict[tuple[str, int], Any]


def update_latex(key) -> str:
    kind, i = key
    return rf"\Delta\theta^{{{i}}}" if kind == "theta" else rf"\Delta b^{{{i}}}"


class RuleError(UserCodeError):
    """A rule that cannot be run as written: it is circular, reads a state before the run
    starts, or returns updates of the wrong parameters or shapes (a user error: exit code 2)."""


def from_trajectory(updates):
    """Marks a rule class's ``updates`` that is exactly ``trajectory(…).total_updates()``, so
    the door may reuse a trajectory already built; an override lacks the mark and is run."""
    updates.from_trajectory = True
    return updates


#: "for every later time" in the schedule of a state that never changes
FOREVER = 1 << 62


class Trajectory:
    """What every inference trajectory shares: states computed on first use and remembered,
    with exactly the semantics of running from t = 0.  A state asked for while it is being
    computed (a circular rule) or before t = 0 is a :class:`RuleError`, never a recursion
    without end.  Keys are ``(kind, where, t)``.

    **Steps that leave a state unchanged are not recomputed** (issue 12: linear work in
    depth).  A subclass lists in ``_deps`` only the definitions that are pcproof's own (an
    overridden hook or state method is never listed): ``_deps[kind](where)`` is every state
    the definition of ``(kind, where, t)`` reads, as ``(kind', where', o)``: it reads
    ``(kind', where', t − o)``.  Such a definition is a pure function of what it reads, so

    * if what it reads at t is the very objects (``is``) it read at t − 1, the state at t is
      the very object it was at t − 1 (:meth:`_unchanged`);
    * a state is its t = 0 object up to the time :meth:`_quiet` works out from the
      dependency graph alone: the least, over the paths from it to a state whose changes are
      known (``_source``: clamped, or a parameter learning on pcproof's own clock), of that
      state's last unchanged time plus the path's read offsets (a shortest path; every cycle
      of definitions reads one step back, and by induction on t nothing on it moves earlier).
      Under C1 the errors reach layer l only at t = l, so Z-IL asks for O(L) steps, not L²/2.

    ``_first[kind]`` is the first time the definition computes the state (x at t = 1, from
    the state at 0; μ and ε at t = 0).  A state the definition computes at t = 1 that is
    ``ops.same`` as its t = 0 value is replaced by that object, so identities hold from 0."""

    def _start_memo(self, depth: int = 0):
        self._memo: dict = {}
        self._busy: set = set()
        self._deps: dict = {}
        self._first: dict = {}
        self._quiet_at: dict | None = None
        # demand-driven recursion goes about (depth + steps) frames deep
        need = 30 * depth + 500
        if need > sys.getrecursionlimit():
            sys.setrecursionlimit(need)

    def _cached(self, key, compute):
        v = self._memo.get(key)
        if v is None:
            if key in self._busy:
                raise RuleError(f"the rule is circular: {_where()}its definition of {state_text(key)} "
                                f"needs {state_text(key)} itself")
            if key[-1] < 0:
                raise RuleError(f"the rule reads {state_text(key)}, before the run starts at t = 0 "
                                f"({_where().rstrip(': ') or 'in pcproof'})")
            self._busy.add(key)
            try:
                v = self._unchanged(key)
                if v is None:
                    v = compute()
                    if key[2] == 1 and self._first.get(key[0]) == 1:
                        v0 = getattr(self, key[0])(key[1], 0)
                        same = getattr(self.ops, "same", None)
                        if same is not None and same(v, v0):
                            v = v0
                self._memo[key] = v
            finally:
                self._busy.discard(key)
        return v

    def _total(self, made: list, value, matrix: bool):
        """Σ of the updates ``made`` to one parameter during the run, in order; a zero of the
        parameter's shape (``value`` its initial value) if it never learned."""
        ops = self.ops
        if not made:
            zero = ops.number(0)
            return ops.mat_scale(zero, value) if matrix else ops.scale(zero, value)
        add = ops.mat_add if matrix else ops.add
        total = made[0]
        for d in made[1:]:
            total = add(total, d)
        return total

    def _state(self, kind, where, t):
        return getattr(self, kind)(where, t)

    def _unchanged(self, key):
        """The state at ``key`` if it provably is the object it was earlier, else None."""
        kind, where, t = key
        v = self._jump(kind, where, t)
        if v is not None:
            return v
        deps = self._deps.get(kind)
        if deps is None or t <= self._first[kind]:
            return None
        if t >= 2 and t <= self._quiet(kind, where):
            return self._state(kind, where, 0)
        state = self._state
        for k, w, o in deps(where):
            if state(k, w, t - o) is not state(k, w, t - 1 - o):
                return None
        return state(kind, where, t - 1)

    def _jump(self, kind, where, t):
        """A state known without stepping, from a schedule (None: not known)."""
        return None

    def _source(self, kind, where):
        """For a state whose changes are known without its definition: the last time it is
        still its t = 0 object (``FOREVER`` if never changes); None: follow ``_deps``."""
        return None

    def _quiet(self, kind, where) -> int:
        """The last time the state is provably its t = 0 object (see the class docstring)."""
        if self._quiet_at is None:
            self._quiet_at = {}
        q = self._quiet_at.get((kind, where))
        if q is None:
            self._solve_quiet((kind, where))
            q = self._quiet_at[(kind, where)]
        return q

    def _solve_quiet(self, start):
        """Dijkstra from the sources over the reversed read edges of every state family reachable
        from ``start``: T_F = min(T_source, min over reads R of T_R + o)."""
        import heapq
        readers: dict = {}
        T: dict = {}
        seen, todo = {start}, [start]
        while todo:
            fam = todo.pop()
            kind, where = fam
            known = self._quiet_at.get(fam)
            src = known if known is not None else self._source(kind, where)
            if src is None and kind not in self._deps:
                src = 0     # a definition that is not pcproof's own may change at any step
            if src is None and self._first[kind] == 1 and self._state(kind, where, 1) is not self._state(kind, where, 0):
                src = 0     # moved at its first step already
            if src is not None:
                T[fam] = src
                continue
            T[fam] = FOREVER
            for k, w, o in self._deps[kind](where):
                dep = (k, w)
                if dep == fam and o >= 1:   # itself one step back: covered by the induction on t
                    continue
                readers.setdefault(dep, []).append((fam, o))
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        heap = [(q, fam) for fam, q in T.items() if q < FOREVER]
        heapq.heapify(heap)
        while heap:
            q, fam = heapq.heappop(heap)
            if q > T[fam]:
                continue
            for reader, o in readers.get(fam, ()):
                if q + o < T[reader]:
                    T[reader] = q + o
                    heapq.heappush(heap, (q + o, reader))
        self._quiet_at.update(T)


def _own(obj, name: str, base: type) -> bool:
    """``obj.name`` is ``base``'s own method: neither overridden by a subclass nor set on the
    instance (the only case in which pcproof may reason about what it computes)."""
    return getattr(type(obj), name, None) is getattr(base, name) and name not in getattr(obj, "__dict__", ())


def _where() -> str:
    from ..userfile import calling_user_code
    where = calling_user_code()
    return f"{where}: " if where else ""


def state_text(key) -> str:
    kind, where, t = key
    stem = {"x": "x", "mu": "μ", "eps": "ε", "theta": "θ", "b": "b"}.get(kind, kind)
    key = where if kind == "param" else where[-1] if kind == "delta" else None
    if isinstance(key, tuple):      # a layered parameter by its update key: ("theta", k) or ("b", l)
        return f"{'Δ' if kind == 'delta' else ''}{'θ' if key[0] == 'theta' else 'b'}^{key[1]}_{t}"
    if kind == "param":      # a graph's parameter, by name
        return f"θ^{where}_{t}"
    if kind == "delta":      # a graph vertex's update of one of its parameters
        v, p = where
        return f"Δ{p}@{v}_{t}"
    return f"{stem}^{where}_{t}"


@contextmanager
def running_rule(passthrough: tuple = ()):
    """Code that runs a rule: an exception raised in the user's own code (a frame of their
    file in the traceback below this point) becomes a :class:`RuleError` naming the file and
    line; pcproof's own errors and ``passthrough`` (a prover's timeout) pass unchanged."""
    try:
        yield
    except RuleError:
        raise
    except passthrough:
        raise
    except Exception as exc:
        from ..userfile import user_error_message
        msg = user_error_message(exc)
        if msg is None:
            raise
        raise RuleError(msg) from exc


class Rule(ABC):
    """A learning rule.  Subclass it (in your own file if you like) and pcproof can
    prove, fuzz and train with it exactly as with the built-in ones."""

    #: short name used on the command line and in reports
    name = "rule"

    @abstractmethod
    def updates(self, arch, params, ops, alpha) -> Updates:
        """The weight (and bias) updates this rule makes for one training pair."""

    def describe(self) -> str:
        return self.name

    @classmethod
    def matrices(cls, arch) -> dict:
        """Extra matrices this rule reads from the point (``params.matrices[name][l]``), as
        name → l → (layer of the rows, layer of the columns): feedback alignment's
        ``{"B": {l: (l, l - 1) for l in range(1, arch.L)}}`` is B^l of shape n_l × n_{l-1}.
        They are parameters of the point, like the weights: their own symbols in a proof (so
        it holds for every value), drawn by the strategies and the witness search, given by
        the trainer (:meth:`draw_matrices`).  None by default."""
        return {}

    def draw_matrices(self, arch, rng) -> dict:
        """Numeric values of :meth:`matrices` for training (numpy ``rng``): name → l → array.
        Default: entries N(0, 1/n_cols), the usual scale of a fixed random feedback matrix."""
        import numpy as np
        n = arch.widths
        return {name: {l: rng.normal(0.0, 1.0 / np.sqrt(n[c]), size=(n[r], n[c])) for l, (r, c) in shapes.items()}
                for name, shapes in self.matrices(arch).items()}


def rule_matrices(rule, arch) -> dict:
    """The matrices a rule (class or instance, a user's included) declares for ``arch``
    (:meth:`Rule.matrices`); {} for a rule that declares none."""
    fn = getattr(rule, "matrices", None)
    return dict(fn(arch)) if callable(fn) else {}


def rule_updates(rule: Rule, model, params, ops, alpha, run=None) -> Updates:
    """The one door to a rule's updates: every prover, the fuzzer, the strategies, the
    trainer and the reports obtain them here.

    It runs the rule's own :meth:`Rule.updates` (a user's override included) and checks
    what came back against the model (a layered :class:`~pcproof.model.Architecture` or a
    :class:`~pcproof.model.graph.Graph`): every key is a parameter of the network and every
    update has that parameter's shape.  A parameter the rule leaves out did not learn: its
    update is zero (so a forgotten bias update is a wrong update, not a crash).

    ``run``: the trajectory ``rule.trajectory(model, params, ops, alpha)`` if the caller has
    already built it (a theorem reading both error nodes and updates); it is used only
    when the rule keeps its class's own ``updates`` (which is ``trajectory(…).total_updates()``),
    so an override of ``updates`` always runs."""
    if run is not None and getattr(type(rule).updates, "from_trajectory", False):
        out = run.total_updates()
    else:
        out = rule.updates(model, params, ops, alpha)
    if not isinstance(out, dict):
        raise RuleError(f"rule {_rule_name(rule)!r}: updates() returned {type(out).__name__}, "
                        "not a dict of parameter → update")
    expected = model.update_shapes(params)
    for key in out:
        if key not in expected:
            raise RuleError(f"rule {_rule_name(rule)!r} returned an update for {key!r}, which is not a "
                            f"parameter of this network (its parameters: {', '.join(map(repr, expected))})")
    full = {}
    for key, shape in expected.items():
        if key not in out:
            value, zero = model.parameter(params, key), ops.number(0)
            full[key] = ops.mat_scale(zero, value) if len(shape) == 2 else ops.scale(zero, value)
            continue
        got = _shape(out[key], len(shape))
        if got != shape:
            raise RuleError(f"rule {_rule_name(rule)!r}: the update {update_text(key)} has shape {got}, "
                            f"the parameter has shape {shape}")
        full[key] = out[key]
    return full


def update_text(key) -> str:
    if isinstance(key, str):       # a graph's parameter, by name
        return f"Δ{key}"
    kind, i = key
    return f"Δθ^{i}" if kind == "theta" else f"Δb^{i}"


def _rule_name(rule) -> str:
    return getattr(rule, "name", type(rule).__name__)


def _shape(v, rank: int):
    """The trailing ``rank`` axes of a vector or matrix (numpy: its last axes, after a batch)."""
    shape = getattr(v, "shape", None)
    if shape is not None:
        return tuple(shape[-rank:])
    try:
        if rank == 1:
            return (len(v),)
        widths = {len(row) for row in v}
        return (len(v), widths.pop() if len(widths) == 1 else tuple(sorted(widths)))
    except TypeError:
        return (type(v).__name__,)
