"""Stage 4: checks — provers, fuzzers and ablations that ask the kernel for verdicts."""
