#!/usr/bin/env bash
# Times `modelseal protect --staged` (the pre-commit check) with hyperfine on
# a typical commit: three changed files, one of them adding a secret, in a
# clone of a repository made by make_git_repo.py. Kingfisher's `--staged`
# scan runs beside it when installed (bench/install_scanners.sh).
#
# Usage: bench/protect_timing.sh REPO [MODELSEAL]
#   REPO       a repository from make_git_repo.py (cloned, never changed)
#   MODELSEAL  the binary [default: target/release/modelseal]
set -euo pipefail

repo=$(cd "${1:?usage: protect_timing.sh REPO [MODELSEAL]}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
modelseal=$(realpath "${2:-$here/target/release/modelseal}")
tools=${BENCH_TOOLS:-$HOME/.cache/modelseal-bench}
kingfisher=$(awk -F'\t' '$1 == "kingfisher" { print $2 }' "$tools/bins.tsv" 2>/dev/null || true)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"
files=$(git ls-files | sed -n 1,3p)  # sed reads it all: no SIGPIPE under pipefail
for f in $files; do
    printf 'changed = %s\n' "$RANDOM" >> "$f"
done
# A secret assembled here, in the first file.
first=$(echo "$files" | head -1)
printf 'HF_TOKEN = "%s%s"\n' "hf_" "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi" >> "$first"
git add $files
echo "$(git ls-files | wc -l) files in the index, $(echo "$files" | wc -l) staged"

cmds=("$modelseal protect --staged --no-config --format jsonl")
if [[ -n "$kingfisher" && -x "$kingfisher" ]]; then
    cmds+=("$kingfisher scan . --staged --no-validate --no-update-check --format jsonl --quiet")
fi
# Exit codes 1 (modelseal) and 200 (Kingfisher) mean "found": expected here.
hyperfine -N --warmup 3 --runs 30 -i "${cmds[@]}"
