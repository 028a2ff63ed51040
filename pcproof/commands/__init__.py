"""The subcommands that drive a stage (``fuzz``, ``ablate``, ``report``): options, input checks
and output only, on top of the pipeline like :mod:`pcproof.cli`, which imports each one only
when it runs.  The stages below import nothing from here."""
