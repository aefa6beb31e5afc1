# Sourced by scripts/build and scripts/test: make .venv and install Phantom into it.
# torch goes first and pinned, so nothing later pulls a CUDA build; constraints.txt pins the
# rest to the set the tests ran on. A stamp skips the install when nothing changed.
# mostlyai-engine (the `table` kind) goes in last with --no-deps: it declares torchvision and
# torchaudio, whose PyPI builds do not match this CPU torch and break `import transformers`
# ("operator torchvision::nms does not exist"); tabular training needs neither, nor its
# language-model dependencies (accelerate, peft, xgrammar, json-repair). What it does import
# (torch, opacus, transformers, datasets, joblib, psutil, ...) comes with Phantom's own list.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
stamp=.venv/.phantom-installed
wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "setting up .venv (torch==2.13.0 first, then phantom and its pinned dependencies)" >&2
    [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q torch==2.13.0
    .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
    .venv/bin/python -m pip install -q --no-deps -c constraints.txt mostlyai-engine
    echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH" DVC_NO_ANALYTICS=1
