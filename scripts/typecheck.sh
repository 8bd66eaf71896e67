#!/usr/bin/env bash
# mypy --strict over msin_fed as users import it.
#
# In the repository node/ and coordinator/ are top-level folders that setuptools installs
# as msin_fed.node and msin_fed.coordinator; mypy cannot follow that mapping (nor the
# editable install's import hook), so a plain `mypy` here sees every import of them from
# msin_fed (CLI, demo, insights) as Any. This installs the package, not editable, into a
# scratch directory and checks it there under the names users import; then it plants an
# attribute error in the installed CLI and fails unless mypy reports it, so that a
# change which makes those imports Any again cannot pass unnoticed.
#
# Usage: bash scripts/typecheck.sh   (with the project's venv first on PATH)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
# From a clean copy of the sources: a build/ left in the work tree could bring back
# modules since deleted.
mkdir "$SCRATCH/src"
tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
    --exclude=__pycache__ --exclude=.mypy_cache --exclude=./.hypothesis \
    --exclude=./.pytest_cache -cf - . | tar -C "$SCRATCH/src" -xf -
python -m pip install -q --no-deps --target "$SCRATCH/site" "$SCRATCH/src"
cd "$SCRATCH/site"
MYPY=(python -m mypy --config-file "$ROOT/pyproject.toml" --cache-dir "$SCRATCH/cache")
"${MYPY[@]}" -p msin_fed

# The canary: the same check must catch a wrong attribute on an msin_fed.node class.
cat >> msin_fed/cli/node.py <<'PY'


def _planted_type_error() -> None:
    from msin_fed.node import Node

    Node.no_such_attribute_planted_by_typecheck_sh  # noqa: B018
PY
if out=$("${MYPY[@]}" -p msin_fed 2>&1); then
  echo "typecheck.sh: mypy missed an attribute error planted in msin_fed/cli/node.py;" \
       "imports of msin_fed.node are unchecked again" >&2
  exit 1
fi
grep -q 'no_such_attribute_planted_by_typecheck_sh' <<<"$out" || { echo "$out" >&2; exit 1; }
echo "typecheck.sh: the installed package checks clean, and a planted error is caught"
