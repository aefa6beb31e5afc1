"""``kind: llm``: rows written by models through the real ``openai`` client, against the
OpenAI-compatible test server (tests/llm_server.py), and by a tiny local transformers model."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from registry import Registry
from registry.cli import app
from registry.errors import GeneratorError, RecipeError
from registry.llm.cache import pack_size
from registry.recipes import load_recipe, parse_recipe
from tests.llm_server import LlmServer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

MATH = """\
name: {name}
version: 1.0.0
generator:
  kind: llm
  models:
    teacher:
      base_url: "{url}"
      model: phantom-test-model
      concurrency: 4
      timeout: 2
      retry_backoff: 0.01
  columns:
    - {{name: a, type: uniform, low: 2, high: 99, dtype: int}}
    - {{name: b, type: uniform, low: 2, high: 99, dtype: int}}
    - name: problem
      type: llm
      model: teacher
      prompt: "Write a word problem whose answer is {{{{ a }}}} times {{{{ b }}}}."
    - name: solution
      type: llm
      model: teacher
      system_prompt: Solve step by step.
      prompt: "Solve: {{{{ problem }}}}"
      params: {{temperature: 0.7, max_tokens: 256}}
    - {{name: correct, type: verify, column: solution, sympy: "{{{{ a }}}} * {{{{ b }}}}"}}
    - name: grade
      type: judge
      model: teacher
      column: solution
      rubric: the steps are shown
      min_score: 4
rows: {rows}
random_seed: 1
"""


@pytest.fixture
def llm_server() -> Iterator[LlmServer]:
    with LlmServer() as server:
        yield server


@pytest.fixture
def make_llm_recipe(registry_root: Path, llm_server: LlmServer) -> Callable[..., Path]:
    """Write ``recipes/<name>.yaml``: the math recipe against the test server, or ``text``."""

    def make(name: str = "math", *, rows: int = 6, text: str | None = None) -> Path:
        path = registry_root / "recipes" / f"{name}.yaml"
        body = text if text is not None else MATH.format(name=name, url=llm_server.url, rows=rows)
        path.write_text(body)
        return path

    return make


def error_line(result) -> str:
    """The one ``error:`` line a failed command printed (progress lines aside)."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


def build(recipe: Path) -> dict:
    result = Registry(recipe.parents[1]).materialize(recipe)
    return {"hash": result.content_hash, "manifest": result.manifest, "quality": result.quality}


def test_llm_recipe_builds_checked_math_rows_and_reports_rejections(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    built = build(make_llm_recipe(rows=8))

    rows = pd.read_parquet(registry_root / "data/math/data")
    assert len(rows) == 8
    for row in rows.itertuples():  # every kept answer is the exact product
        assert row.solution.endswith(f"#### {row.a * row.b}")
    assert rows["correct"].all() and (rows["grade"] >= 4).all()
    generation = built["quality"]["generation"]
    correct = generation["checks"]["correct"]
    assert correct["rejected"] > 0  # the server answers wrong when seed % 4 == 0
    assert generation["attempts"] == 8 + correct["rejected"]
    assert generation["judges"]["grade"]["scores"] == {"5": generation["checks"]["grade"]["tried"]}
    usage = built["manifest"]["generation"]
    assert usage["calls"] == llm_server.calls == usage["requests"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert "rejection rate" in (registry_root / "cards/math.md").read_text()
    pack = registry_root / "data/math/model/llm-responses.sqlite"
    assert pack_size(pack) == usage["requests"]  # the responses travel with the version


def test_llm_card_names_the_models_columns_and_checks_and_says_the_text_is_ai_generated(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    build(make_llm_recipe(rows=2))

    card = (registry_root / "cards/math.md").read_text()
    provenance = card.split("## Provenance")[1].split("## Splits")[0]
    assert (
        f"| models | teacher: `phantom-test-model` at {llm_server.url} (OpenAI-compatible) |"
        in (provenance)
    )
    assert "| prompt columns | problem (teacher), solution (teacher) |" in provenance
    assert "| judges | grade (teacher grades solution, 1-5, rows under 4 made again) |" in (
        provenance
    )
    assert (
        "| checks | correct (sympy over solution), dedup (exact and MinHash near (Jaccard >= "
        "0.9) duplicates) within each batch of 1,000 rows, not across batches |"
    ) in provenance
    assert (
        "| AI-generated text | problem, solution, grade_reason by the model "
        "`phantom-test-model`: written by AI, not people |"
    ) in provenance
    assert "| seed | none: a, b drawn from declared distributions; the text is written" in (
        provenance
    )
    assert "sampled from its declared distribution" not in card


def test_llm_rebuild_of_an_unchanged_recipe_makes_no_calls_and_keeps_the_hash(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    recipe = make_llm_recipe()
    first = build(recipe)
    calls = llm_server.calls
    shutil.rmtree(registry_root / ".phantom/llm-cache")  # only the version's copy is left

    again = build(recipe)

    assert llm_server.calls == calls
    assert again["hash"] == first["hash"]
    assert again["manifest"]["generation"]["cached"] == again["manifest"]["generation"]["requests"]


def test_llm_build_killed_halfway_resumes_without_repeating_calls(
    registry_root: Path, tmp_path: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    uninterrupted = build(make_llm_recipe())
    needed = llm_server.calls
    before = Counter(llm_server.answered)
    other = tmp_path / "other"
    Registry.init(other, remote=tmp_path / "other-remote")
    recipe = other / "recipes/math.yaml"
    recipe.write_text((registry_root / "recipes/math.yaml").read_text())

    llm_server.fail_after(needed + 5)  # the endpoint goes down after 5 of the build's calls
    with pytest.raises(GeneratorError, match="failed after 6 attempts"):
        build(recipe)
    assert not (other / "data/math").exists()
    llm_server.heal()
    resumed = build(recipe)

    calls = Counter(llm_server.answered) - before
    assert sum(calls.values()) == needed  # 5 before the outage + the rest after it
    assert set(calls.values()) == {1}  # no request was paid for twice
    assert resumed["hash"] == uninterrupted["hash"]


@pytest.mark.parametrize("failure", ["429", "500", "drop", "malformed", "timeout"])
def test_llm_client_retries_a_misbehaving_endpoint(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer, failure: str
) -> None:
    llm_server.timeout_delay = 2.5  # past the recipe's 2 s timeout
    llm_server.misbehave(failure, failure)

    built = build(make_llm_recipe(rows=2))

    assert built["manifest"]["rows"] == 2
    assert llm_server.requests >= llm_server.calls + 2


def test_llm_judge_under_threshold_drops_rows_until_attempts_run_out(
    make_llm_recipe, llm_server: LlmServer
) -> None:
    text = f"""\
name: short
version: 1.0.0
generator:
  kind: llm
  models: {{m: {{base_url: "{llm_server.url}", model: x, retry_backoff: 0.01}}}}
  columns:
    - {{name: greeting, type: llm, model: m, prompt: Say hi}}
    - {{name: grade, type: judge, model: m, column: greeting, rubric: it is long, min_score: 3}}
  max_attempts: 3
rows: 2
"""
    with pytest.raises(GeneratorError, match=r"failed 3 attempts .* judge column 'grade'"):
        build(make_llm_recipe("short", text=text))


def test_llm_gates_on_checks_fail_the_build_naming_the_check(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    recipe = make_llm_recipe(rows=8)
    gates = "quality: {max_rejection_rate: {correct: 0.05}, min_judge_mean: 4}\n"
    recipe.write_text(recipe.read_text() + gates)

    result = CliRunner().invoke(app, ["materialize", str(recipe)])

    assert result.exit_code == 2, result.output
    assert "math@1.0.0 missed 1 quality gate(s)" in error_line(result)
    missed = [line.strip() for line in result.stderr.splitlines() if "[correct]" in line]
    assert len(missed) == 1 and missed[0].endswith("> 0.05 (recipe)")
    assert missed[0].startswith("max_rejection_rate[correct]: 0.")
    assert not (registry_root / "data/math").exists()
    kept = json.loads((registry_root / ".phantom/failed/math.quality.json").read_text())
    judged = [g for g in kept["gates"] if g["gate"] == "min_judge_mean[grade]"]
    assert judged == [
        {"gate": "min_judge_mean[grade]", "threshold": 4.0, "value": 5.0, "passed": True,
         "source": "recipe"}
    ]  # fmt: skip


def test_llm_gate_naming_an_unknown_check_is_a_recipe_error() -> None:
    data = yaml.safe_load(MATH.format(name="m", url="http://x/v1", rows=2))
    data["quality"] = {"max_rejection_rate": {"corect": 0.1}}
    expected = (
        "quality.max_rejection_rate: 'corect' is not a check of this recipe; "
        "expected one of correct, grade.schema, grade, dedup"
    )
    with pytest.raises(RecipeError, match=re.escape(expected)):
        parse_recipe(data)


DEDUP = """\
name: dups
version: 1.0.0
generator:
  kind: llm
  models: {{m: {{base_url: "{url}", model: x}}}}
  columns:
    - {{name: note, type: llm, model: m, prompt: "Write about cats"}}
  max_attempts: 10
  dedup: {{near: null}}
rows: {rows}
random_seed: 2
"""


def test_llm_dedup_makes_duplicate_rows_again(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    """One prompt, three answer variants (the server's ``seed % 3``): three rows need every
    variant, so repeats are rejected and asked again with new seeds."""
    built = build(make_llm_recipe("dups", text=DEDUP.format(url=llm_server.url, rows=3)))

    rows = pd.read_parquet(registry_root / "data/dups/data")
    assert sorted(rows["note"]) == [f"Echo v{v}: Write about cats" for v in range(3)]
    dedup = built["quality"]["generation"]["checks"]["dedup"]
    assert dedup["rejected"] > 0
    assert dedup["tried"] - dedup["rejected"] == 3


def test_llm_more_rows_than_distinct_answers_fails_naming_dedup(
    make_llm_recipe, llm_server: LlmServer
) -> None:
    with pytest.raises(GeneratorError, match=r"rejected by dedup \(exact duplicate\)"):
        build(make_llm_recipe("dups", text=DEDUP.format(url=llm_server.url, rows=4)))


def test_llm_structured_output_fields_become_columns(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    text = f"""\
name: facts
version: 1.0.0
generator:
  kind: llm
  models: {{m: {{base_url: "{llm_server.url}", model: x}}}}
  columns:
    - {{name: topic, type: category, values: [rivers, mountains, lakes]}}
    - name: fact
      type: llm
      model: m
      prompt: "A fact about {{{{ topic }}}}"
      output_schema:
        type: object
        properties: {{claim: {{type: string}}, words: {{type: integer}}}}
        required: [claim, words]
    - {{name: long_enough, type: verify, sql: "fact_words >= 4 AND fact_claim LIKE 'claim:%'"}}
    - name: is_json
      type: verify
      column: fact
      json_schema: {{type: object, required: [claim]}}
  dedup: null
rows: 3
"""
    build(make_llm_recipe("facts", text=text))

    rows = pd.read_parquet(registry_root / "data/facts/data")
    assert list(rows.columns) == [
        "topic",
        "fact",
        "fact_claim",
        "fact_words",
        "long_enough",
        "is_json",
    ]
    assert (rows["fact_words"] == 4).all()  # "A fact about <topic>"
    assert json.loads(rows["fact"][0]) == {"claim": rows["fact_claim"][0], "words": 4}


BAD_INPUT = [
    ("prompt: 'Solve {{ nope }}'", "the template names 'nope', which is not a column"),
    ("prompt: \"{{ ''.__class__ }}\"", "'__class__' reaches Python internals"),
    ("prompt: \"{{ a|attr('__globals__') }}\"", "'__globals__' reaches Python internals"),
    (
        "prompt: hi\n      output_schema: {type: object, properties: {x: {type: 12}}}",
        "not a valid JSON schema",
    ),
]


@pytest.mark.parametrize(("column", "message"), BAD_INPUT)
@pytest.mark.parametrize("command", ["validate", "materialize"])
def test_llm_bad_recipe_is_one_line_and_exit_2(
    registry_root: Path, make_llm_recipe, column: str, message: str, command: str
) -> None:
    text = f"""\
name: bad
version: 1.0.0
generator:
  kind: llm
  models: {{m: {{base_url: "http://127.0.0.1:9/v1", model: x}}}}
  columns:
    - {{name: a, type: uniform, low: 1, high: 9}}
    - name: answer
      type: llm
      model: m
      {column}
rows: 2
"""
    recipe = make_llm_recipe("bad", text=text)

    result = CliRunner().invoke(app, [command, str(recipe)])

    assert result.exit_code == 2, result.output
    line = error_line(result)
    assert message in line and "recipes/bad.yaml: generator.columns[1] (answer)" in line
    assert not (registry_root / "data/bad").exists()


def test_llm_unreachable_endpoint_is_one_line_and_exit_2(
    registry_root: Path, make_llm_recipe
) -> None:
    text = MATH.format(name="gone", url="http://127.0.0.1:9/v1", rows=2).replace(
        "retry_backoff: 0.01", "retry_backoff: 0.01\n      max_retries: 1"
    )
    recipe = make_llm_recipe("gone", text=text)

    result = CliRunner().invoke(app, ["materialize", str(recipe)])

    assert result.exit_code == 2, result.output
    assert "models.teacher: http://127.0.0.1:9/v1 failed after 2 attempts" in error_line(result)
    assert not (registry_root / "data/gone").exists()


def test_llm_api_key_comes_from_the_named_variable_and_is_never_written(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer, monkeypatch
) -> None:
    text = MATH.format(name="keyed", url=llm_server.url, rows=2).replace(
        "concurrency: 4", "concurrency: 4\n      api_key_env: PHANTOM_TEST_KEY"
    )
    recipe = make_llm_recipe("keyed", text=text)
    with pytest.raises(GeneratorError, match="PHANTOM_TEST_KEY is not set"):
        build(recipe)
    monkeypatch.setenv("PHANTOM_TEST_KEY", "sk-secret-test-key")

    build(recipe)

    for path in [*registry_root.rglob("*.json"), *registry_root.rglob("*.md")]:
        assert "sk-secret-test-key" not in path.read_text(errors="ignore"), path


@pytest.mark.parametrize("example", ["math-reasoning", "tate-labels"])
def test_llm_examples_load_and_build_against_the_test_server(
    registry_root: Path, llm_server: LlmServer, example: str
) -> None:
    """The examples as shipped are valid recipes; pointed at the test server, they build."""
    shipped = EXAMPLES / f"{example}.yaml"
    recipe = load_recipe(shipped)
    assert recipe.generator.kind == "llm"
    assert "Needs an OpenAI-compatible" in shipped.read_text()
    data = yaml.safe_load(shipped.read_text())
    for model in data["generator"]["models"].values():
        model.update(base_url=llm_server.url, retry_backoff=0.01)
    data["rows"] = 4
    parse_recipe(data)
    path = registry_root / "recipes" / shipped.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    built = build(path)

    rows = pd.read_parquet(registry_root / "data" / example / "data")
    assert len(rows) == 4
    assert built["quality"]["generation"]["requests"] >= 4


def test_new_llm_recipe_is_valid_and_builds_against_the_endpoint_its_variable_names(
    registry_root: Path, llm_server: LlmServer, monkeypatch
) -> None:
    monkeypatch.chdir(registry_root)
    result = CliRunner().invoke(app, ["new", "qa", "--kind", "llm"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    recipe = registry_root / "recipes/qa.yaml"
    registry = Registry(registry_root)
    assert registry.validate([recipe])[0].generator.kind == "llm"
    text = recipe.read_text()
    assert "base_url_env: PHANTOM_LLM_BASE_URL" in text and "# api_key_env:" in text
    recipe.write_text(text.replace("rows: 200", "rows: 4"))
    monkeypatch.delenv("PHANTOM_LLM_BASE_URL", raising=False)
    with pytest.raises(GeneratorError, match="PHANTOM_LLM_BASE_URL is not set; export"):
        registry.materialize(recipe)
    monkeypatch.setenv("PHANTOM_LLM_BASE_URL", llm_server.url)

    built = registry.materialize(recipe)

    assert built.manifest["rows"] == 4 and llm_server.calls > 0
    assert all(gate["passed"] for gate in built.quality["gates"])
    card = (registry_root / "cards/qa.md").read_text()
    assert "`Qwen/Qwen2.5-7B-Instruct` at the URL in $PHANTOM_LLM_BASE_URL" in card
    assert llm_server.url not in card  # the endpoint stays out of the version


def test_llm_model_takes_base_url_or_base_url_env_not_both() -> None:
    data = yaml.safe_load(MATH.format(name="m", url="http://x/v1", rows=2))
    data["generator"]["models"]["teacher"]["base_url_env"] = "PHANTOM_LLM_BASE_URL"
    with pytest.raises(RecipeError, match="give base_url or base_url_env, not both"):
        parse_recipe(data)


def test_llm_seed_columns_must_exist_in_the_seed(make_llm_recipe, llm_server) -> None:
    data = yaml.safe_load((EXAMPLES / "tate-labels.yaml").read_text())
    data["generator"]["columns"][0] = {"name": "painter", "type": "seed"}
    recipe = make_llm_recipe("tate-labels", text=yaml.safe_dump(data))

    with pytest.raises(RecipeError, match=r"columns\[0\].column: 'painter' is not in the seed"):
        build(recipe)


def test_llm_recipe_model_alias_must_be_declared() -> None:
    data = yaml.safe_load(MATH.format(name="m", url="http://x/v1", rows=2))
    data["generator"]["columns"][2]["model"] = "teachr"
    with pytest.raises(RecipeError, match="'teachr' is not in models; expected one of teacher"):
        parse_recipe(data)


# --- a local transformers model --------------------------------------------------------------


def tiny_gpt2(folder: Path) -> Path:
    """A 2-layer GPT-2 with random weights and a word-level tokenizer, built offline."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = ["the", "a", "cat", "dog", "sat", "ran", "on", "under", "mat", "tree", "big"]
    vocab = {"[UNK]": 0, "[EOS]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", eos_token="[EOS]", pad_token="[EOS]"
    )
    import torch

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(vocab), n_positions=64, n_embd=16, n_layer=2, n_head=2,
        bos_token_id=1, eos_token_id=1,
    )  # fmt: skip
    GPT2LMHeadModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.mark.slow  # importing torch and transformers takes most of its ~20 s
def test_llm_transformers_backend_writes_rows_from_a_local_model(
    registry_root: Path, make_llm_recipe
) -> None:
    tiny_gpt2(registry_root / "models" / "tiny")
    text = """\
name: local
version: 1.0.0
generator:
  kind: llm
  models: {small: {provider: transformers, path: models/tiny}}
  columns:
    - {name: animal, type: category, values: [cat, dog]}
    - name: story
      type: llm
      model: small
      prompt: "the {{ animal }} sat on the"
      params: {max_tokens: 6, temperature: 1.0}
  dedup: null
rows: 3
"""
    recipe = make_llm_recipe("local", text=text)
    first = build(recipe)
    shutil.rmtree(registry_root / ".phantom/llm-cache")
    shutil.rmtree(registry_root / "data/local")

    again = build(recipe)  # no cache left: the model runs again, seeded per request

    rows = pd.read_parquet(registry_root / "data/local/data")
    assert rows["story"].str.len().gt(0).all()
    assert again["manifest"]["generation"]["calls"] == 3
    assert again["hash"] == first["hash"]


@pytest.mark.slow  # dvc repro twice, and a release
def test_llm_dvc_repro_and_release_keep_the_responses_with_the_version(
    registry_root: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    from registry import store
    from tests.conftest import build_and_commit, run

    recipe = make_llm_recipe()
    store.register_stage(registry_root, load_recipe(recipe))
    build_and_commit(registry_root, "math 1.0.0")
    calls = llm_server.calls
    manifest = json.loads((registry_root / "data/math/manifest.json").read_text())
    Registry(registry_root).release("math")

    status = run(registry_root, "dvc", "status", "--cloud").stdout
    assert "in sync" in status  # the responses went to the remote with the data
    assert list(manifest["model_files"]) == ["model/llm-responses.sqlite"]
    run(registry_root, "dvc", "repro", "--force")
    rebuilt = json.loads((registry_root / "data/math/manifest.json").read_text())
    assert llm_server.calls == calls
    assert rebuilt["content_hash"] == manifest["content_hash"]


@pytest.mark.slow  # dvc repro and a release, then a clone's dvc repro -f
def test_llm_fresh_clone_rebuilds_a_release_from_its_pushed_responses_without_calls(
    registry_root: Path, tmp_path: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    from registry import store
    from tests.conftest import build_and_commit, run

    store.register_stage(registry_root, load_recipe(make_llm_recipe()))
    build_and_commit(registry_root, "math 1.0.0")
    released = Registry(registry_root).release("math")
    calls = llm_server.calls
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(registry_root), str(clone))
    assert not (clone / "data/math").exists() and not (clone / ".phantom").exists()

    run(clone, "dvc", "repro", "--force")  # deletes data/math first, then builds

    assert llm_server.calls == calls
    manifest = json.loads((clone / "data/math/manifest.json").read_text())
    assert manifest["content_hash"] == released.content_hash
    assert manifest["generation"]["calls"] == 0
    assert manifest["generation"]["cached"] == manifest["generation"]["requests"] > 0


@pytest.mark.slow  # a subprocess build, killed, then run again
def test_llm_build_killed_with_sigkill_resumes_and_repeats_at_most_the_calls_in_flight(
    registry_root: Path, tmp_path: Path, make_llm_recipe, llm_server: LlmServer
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    uninterrupted = build(make_llm_recipe(rows=6))
    needed, before = llm_server.calls, Counter(llm_server.answered)
    other = tmp_path / "other"
    Registry.init(other, remote=tmp_path / "other-remote")
    recipe = other / "recipes/math.yaml"
    recipe.write_text((registry_root / "recipes/math.yaml").read_text())
    llm_server.latency = 0.05
    phantom = Path(sys.executable).parent / "phantom"
    process = subprocess.Popen([phantom, "materialize", str(recipe)], cwd=other)
    while llm_server.calls < needed + needed // 2 and process.poll() is None:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)  # halfway through the model calls
    assert process.wait() == -signal.SIGKILL
    assert not (other / "data/math").exists()
    at_kill = llm_server.calls

    resumed = build(recipe)

    assert llm_server.calls - at_kill <= needed - needed // 2 + 4  # the rest, not it all

    calls = Counter(llm_server.answered) - before
    repeated = [key for key, count in calls.items() if count > 1]
    assert len(repeated) <= 4  # only what was in flight (concurrency 4) is paid twice
    assert sum(calls.values()) <= needed + 4
    assert resumed["hash"] == uninterrupted["hash"]


@pytest.mark.parametrize(
    ("text", "expected", "matches"),
    [
        ("Step 1: 12 * 7 = 84\n#### 84", "12 * 7", True),
        ("so the answer is \\boxed{3/4}.", "6 / 8", True),
        ("It costs 0.75 dollars", "3/4", True),
        ("about 0.333", "1/3", False),
        ("#### 1,234", "1234", True),
        ("#### 85", "12 * 7", False),
        ("no number here", "1", False),
    ],
)
def test_llm_sympy_check_compares_the_final_number_exactly(
    text: str, expected: str, matches: bool
) -> None:
    from registry.llm.verifiers import answer_matches

    assert answer_matches(text, expected) is matches


@pytest.mark.parametrize("expression", ["__import__('os')", "a * 2", "9 ** 9 ** 9", "1 / 0"])
def test_llm_sympy_check_refuses_anything_but_arithmetic(expression: str) -> None:
    from registry.llm.verifiers import exact_value

    with pytest.raises(ValueError):
        exact_value(expression)
