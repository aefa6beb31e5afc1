"""The environment scripts/setup.sh builds imports every library Phantom uses, together.

mostlyai-engine declares torchvision and torchaudio; their PyPI builds do not match the CPU
torch pinned here and break `import transformers` ("operator torchvision::nms does not
exist"), so setup.sh installs the engine with --no-deps and leaves both out.
"""

from __future__ import annotations

import subprocess
import sys

IMPORTS = """
import importlib.util
import diffusers, mostlyai.engine, opacus, sdv, torch, transformers
from diffusers import DDIMScheduler, UNet2DModel
from mostlyai.engine._tabular import generation, training
from sdv.single_table import GaussianCopulaSynthesizer
from transformers import CLIPTextModel, CLIPTokenizer
import json_repair, peft, xgrammar  # the engine's language model (text columns)
import openai, jinja2.sandbox, jsonschema, sympy, datasketch  # kind: llm
import sentence_transformers, mlcroissant, imwatermark, ray, dvc_ssh  # extras dev installs
from mostlyai import qa  # benchmarks/tabular_quality.py's oracle (the bench extra)
print([m for m in ("torchvision", "torchaudio") if importlib.util.find_spec(m)])
"""


def test_install_imports_every_library_phantom_uses_in_one_process() -> None:
    result = subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", "torchvision/torchaudio installed; see scripts/setup.sh"
