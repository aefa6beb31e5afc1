# Sourced by scripts/build and scripts/test: make .venv and install Phantom into it.
# torch goes first and pinned, so nothing later pulls a CUDA build; constraints.txt pins the
# rest to the set the tests ran on. A stamp skips the install when nothing changed.
# mostlyai-engine (the `table` kind) goes in last with --no-deps: it declares torchvision and
# torchaudio, whose PyPI builds do not match this CPU torch and break `import transformers`
# ("operator torchvision::nms does not exist"); tabular training needs neither. Its language
# model (text columns in tables) imports peft, json-repair and xgrammar: they go in with
# --no-deps too (xgrammar declares triton, a GPU compiler; it imports without it, given
# apache-tvm-ffi). What the engine imports besides (torch, opacus, transformers, datasets,
# accelerate, joblib, psutil, ...) comes with Phantom's own list.
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
    .venv/bin/python -m pip install -q --no-deps -c constraints.txt mostlyai-engine \
        peft json-repair xgrammar apache-tvm-ffi
    echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH" DVC_NO_ANALYTICS=1
