"""The seeded-bug catalog (issue 9, item 8).

Rules written the way a researcher writes their own rule in their own file
(:mod:`.mutants`: bugs; :mod:`.correct`: correct rules written unusually), the
mathematical truth about each one derived by hand (:mod:`.entries`), and a runner
that puts every entry through the concrete prover at a ragged and a deep shape,
the all-depth prover and the fuzzer, and says whether the outcome is allowed
(:mod:`.runner`).  ``tests/test_catalog.py`` asserts it; ``scripts/catalog.py``
prints the table.
"""
