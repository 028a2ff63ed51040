#!/usr/bin/env bash
# The README's test command: install the test extras (and, as root on Debian, Chromium
# for the browser test and pdflatex for the LaTeX test), then run the whole test suite (tests/test_docs.py builds the
# docs with mkdocs in strict mode).
# Arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (Debian packages) for the browser test"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# pdflatex for the LaTeX test (it compiles the reports and counts their pages); the reports need only
# geometry, amsmath, amssymb, graphicx and longtable, all in texlive-latex-base (about a minute to install)
if ! command -v pdflatex >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing pdflatex (Debian's texlive-latex-base) for the LaTeX test"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    texlive-latex-base >/dev/null
fi

python -m pip install -q ".[test]"

python -m pytest "$@"
