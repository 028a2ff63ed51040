"""Which algebra engine should the concrete prover's symbolic system run on?

    python benchmarks/bench_engines.py [--repeats 3] [--shapes 64x4,256x4,64x16,512x8]

The same workload on each candidate: the rule's own code (Z-IL and BP, theorem 3.2,
uninterpreted f, γ = 1) run over a minimal atomised number system — every sum fed to
a product or to f split as content × primitive and the primitive hash-consed into an
atom, f(a) and f'(a) atoms too, every vector operation memoised — that differs
between candidates only in the engine's primitives (symbols, +, ×, expand, the split,
the zero test):

* ``sympy``      — the engine the prover used before (``sympy.expand``, ``Add``/``Mul``);
* ``symengine``  — symengine's ``Add``/``Mul``/``expand`` (C++);
* ``flint``      — python-flint's ``fmpq_mpoly``: polynomials over a *fixed* set of
  variables, so the context is made once with room for every atom the run will make
  (counted on a symengine run first — an advantage the real system would not have: it
  cannot know the atoms in advance).  Its polynomials are not hashable, so hash-consing
  keys on their text.  No Laurent monomials: rules that divide (γ^{-l}) cannot run on it.

Prints a table of median CPU seconds (this process's user + system time: the work done,
whatever else shares the machine) per candidate (and the speed-up over sympy); then the
real prover (``pcproof.check.concrete.prove``, the symengine system) on the same shapes.
Each timing is a median of ``--repeats`` runs; a candidate is skipped at larger shapes
once one run takes ``--max-seconds`` (``--flint-max-seconds`` for flint).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from fractions import Fraction
from math import gcd

import sympy as sp
import symengine as se
import flint

from pcproof.check.concrete import prove
from pcproof.model import Architecture, get_activation, symbolic_params
from pcproof.numbers.ops import ListOps
from pcproof.theorem import Instance, Setting, get


class Atomised(ListOps):
    """The symbolic system's structure (atoms, hash-consing, memo) over an engine's primitives."""

    def __init__(self, activation):
        super().__init__(activation)
        self._atom_of, self._apps, self._memo = {}, {}, {}
        self.made = 0

    # engine primitives, per candidate
    def symbol(self, name): raise NotImplementedError
    def const(self, q: Fraction): raise NotImplementedError
    def expand(self, c): return c
    def is_sum(self, c) -> bool: raise NotImplementedError
    def is_atomic(self, c) -> bool: raise NotImplementedError
    def split(self, c): raise NotImplementedError           # (content, canonical primitive)
    def key(self, c): return c                               # hash-consing key
    def is_zero(self, c) -> bool: return c == 0

    def fresh(self):
        self.made += 1
        return self.symbol(f"_a{self.made}")

    # the shared structure
    def number(self, q):
        if isinstance(q, (int, Fraction)):
            return self.const(Fraction(q))
        if isinstance(q, sp.Rational):
            return self.const(Fraction(int(q.p), int(q.q)))
        return q

    def tidy(self, c):
        return self.expand(c)

    def _hashcons(self, table, key):
        a = table.get(key)
        if a is None:
            a = table[key] = self.fresh()
        return a

    def atomize(self, c):
        if not self.is_sum(c):
            return c
        content, prim = self.split(c)
        return content * self._hashcons(self._atom_of, self.key(prim))

    def operand(self, v):
        k = ("atoms", tuple(self.key(c) for c in v))
        r = self._memo.get(k)
        if r is None:
            r = self._memo[k] = tuple(self.atomize(c) for c in v)
        return r

    def _applied(self, kind, v):
        out = []
        for a in self.operand(v):
            if not self.is_atomic(a):
                a = self._hashcons(self._atom_of, self.key(a))
            out.append(self._hashcons(self._apps, (kind, self.key(a))))
        return tuple(out)

    def _memoised(self, op, args, thunk):
        k = (op,) + tuple(tuple(self.key(c) for c in a) if not isinstance(a[0], tuple)
                          else tuple(tuple(self.key(c) for c in r) for r in a) for a in args)
        r = self._memo.get(k)
        if r is None:
            r = self._memo[k] = thunk()
        return r

    def f(self, v): return self._memoised("f", (v,), lambda: self._applied("f", v))
    def df(self, v): return self._memoised("df", (v,), lambda: self._applied("df", v))
    def matvec(self, W, v): return self._memoised("mv", (W, v), lambda: ListOps.matvec(self, W, v))
    def rmatvec(self, W, v): return self._memoised("rmv", (W, v), lambda: ListOps.rmatvec(self, W, v))
    def add(self, u, v): return self._memoised("add", (u, v), lambda: ListOps.add(self, u, v))
    def sub(self, u, v): return self._memoised("sub", (u, v), lambda: ListOps.sub(self, u, v))
    def mul(self, u, v): return self._memoised("mul", (u, v), lambda: ListOps.mul(self, u, v))

    def scale(self, c, v):
        return self._memoised("scale", ((c,), v), lambda: ListOps.scale(self, self.atomize(self.expand(c)), v))


def _rational_content(coeffs):
    num, den = 0, 1
    for c in coeffs:
        num, den = gcd(num, c.numerator), den * c.denominator // gcd(den, c.denominator)
    return Fraction(num, den)


class SympyEngine(Atomised):
    def symbol(self, name): return sp.Symbol(name, real=True)
    def const(self, q): return sp.Rational(q.numerator, q.denominator)
    def expand(self, c): return sp.expand(c)
    def is_sum(self, c): return c.is_Add
    def is_atomic(self, c): return c.is_Symbol or c.is_Number

    def split(self, c):
        terms = [t.as_coeff_Mul() for t in c.args]
        g = _rational_content([Fraction(int(k.p), int(k.q)) for k, _ in terms])
        powers = [m.as_powers_dict() for _, m in terms]
        common = {b: min(d[b] for d in powers) for b in set(powers[0]).intersection(*powers[1:])}
        content = sp.Rational(g.numerator, g.denominator) * sp.Mul(*[b ** k for b, k in common.items()])
        prim = sp.expand(c / content)
        return (-content, -prim) if prim.could_extract_minus_sign() else (content, prim)


class SymengineEngine(Atomised):
    def symbol(self, name): return se.Symbol(name)
    def const(self, q): return se.Rational(q.numerator, q.denominator)
    def expand(self, c): return se.expand(c)
    def is_sum(self, c): return c.is_Add
    def is_atomic(self, c): return c.is_Symbol or c.is_Number

    def split(self, c):
        from pcproof.numbers.symbolic import split_content
        content, prim, (neg, pos) = split_content(c)
        return (-content, -prim) if neg > pos else (content, prim)


class FlintEngine(Atomised):
    """fmpq_mpoly over a context made once with ``nvars`` variables."""

    def __init__(self, activation, nvars):
        super().__init__(activation)
        self.ctx = flint.fmpq_mpoly_ctx.get(("v", nvars), "lex")
        self.gens = self.ctx.gens()
        self.next = 0

    def symbol(self, name):
        g = self.gens[self.next]
        self.next += 1
        return g

    def const(self, q): return self.ctx.constant(flint.fmpq(q.numerator, q.denominator))
    def is_sum(self, c): return len(c) > 1
    def is_atomic(self, c): return len(c) <= 1 and (c.is_constant() or (c.total_degree() == 1 and c.coeffs()[0] == 1))
    def key(self, c): return str(c)
    def is_zero(self, c): return c.is_zero()

    def number(self, q):
        return super().number(q) if not isinstance(q, int) else self.const(Fraction(q))

    def split(self, c):
        coeffs = [Fraction(int(k.p), int(k.q)) for k in c.coeffs()]
        g = _rational_content(coeffs)
        mono = c.term_content()
        content = mono * flint.fmpq(g.numerator, g.denominator)
        prim = c / content
        return (-content, -prim) if prim.leading_coefficient() < 0 else (content, prim)


def workload(engine, L, n):
    """Theorem 3.2 at depth L, width n: every entry of every update, difference tested for 0."""
    arch = Architecture.make(get_activation("uninterpreted"), depth=L, width=n)
    params = symbolic_params(arch).map(lambda s: engine.symbol(s.name))
    inst = Instance(arch, engine, params, Setting(), engine.number(1), engine.symbol("alpha"))
    eqs = get("thm-3.2").claim(inst)
    bad = 0
    for e in eqs:
        for ra, rb in zip(e.lhs, e.rhs):
            for a, b in zip(ra, rb):
                bad += not engine.is_zero(engine.expand(a - b))
    return bad, engine.made


def timed(make, L, n, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.process_time()
        out = workload(make(), L, n)
        times.append(time.process_time() - t0)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shapes", default="64x4,256x4,64x16,512x8")
    ap.add_argument("--max-seconds", type=float, default=60, help="skip sympy at larger shapes once a run takes this long")
    ap.add_argument("--flint-max-seconds", type=float, default=5, help="the same for flint")
    ap.add_argument("--flint-max-vars", type=int, default=4000,
                    help="skip flint above this many variables (32 × 16, about 10 000, ran out of memory)")
    args = ap.parse_args()
    f = get_activation("uninterpreted")
    shapes = [tuple(map(int, s.split("x"))) for s in args.shapes.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)\n")
    print("| depth × width | atoms | sympy s | symengine s | flint s (context given) | symengine / sympy | prover s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    slow = set()
    for L, n in shapes:
        t_se, (bad, atoms) = timed(lambda: SymengineEngine(f), L, n, args.repeats)
        assert bad == 0
        nvars = atoms + sum(1 for _ in symbolic_params(Architecture.make(f, depth=L, width=n)).scalars()) + 2
        row = {}
        for name, make in (("sympy", lambda: SympyEngine(f)), ("flint", lambda: FlintEngine(f, nvars))):
            if name in slow or (name == "flint" and nvars > args.flint_max_vars):
                row[name] = None
                continue
            t, (bad, _) = timed(make, L, n, 1 if name == "sympy" else args.repeats)
            assert bad == 0, name
            row[name] = t
            if t > (args.flint_max_seconds if name == "flint" else args.max_seconds):
                slow.add(name)
        prover = []
        for _ in range(args.repeats):
            t0 = time.process_time()
            v = prove(get("thm-3.2"), Architecture.make(f, depth=L, width=n))
            prover.append(time.process_time() - t0)
            assert v.verdict == "proved"
        show = lambda t: "skipped" if t is None else f"{t:.3f}"
        ratio = "–" if row["sympy"] is None else f"{row['sympy'] / t_se:.0f}×"
        print(f"| {L} × {n} | {atoms} | {show(row['sympy'])} | {t_se:.3f} | {show(row['flint'])} | {ratio} | "
              f"{statistics.median(prover):.3f} |", flush=True)
    print(f"\nCPU seconds in-process after imports; medians of {args.repeats} runs (sympy: 1 run)")


if __name__ == "__main__":
    main()
