"""README.md's examples work as written, in the order the README gives them.

The registry they run in is what ``scripts/build`` leaves (``bundled/``), made here by the
same ``scripts/bundle`` from a copy of ``recipes/`` with tiny row counts and epochs (and
loose gates, which tiny models miss), so this stays a CI test of minutes. Every ``bash`` and
``python`` block runs in a fresh process whose working directory is that registry, with a
home folder of its own (``~/my-registry`` lands there) and ``HF_ENDPOINT`` on the test Hub
server. A comment right before a block changes what happens to it:

- ``<!-- readme-test: skip (REASON) -->``: not run, for the reason given;
- ``<!-- readme-test: write FILE -->``: the block is the content of FILE, written there.

``phantom tui`` is interactive; the compare it documents is driven with Textual's pilot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from registry import Registry
from tests.conftest import BIN
from tests.conftest_hub import HF_TEST_TOKEN
from tests.hub_server import HubServer
from tests.tui.pilot import open_version, settle

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUNNABLE = {"bash", "python"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
MARKER = re.compile(r"<!--\s*readme-test:\s*(skip|write)\b\s*(.*?)\s*-->\s*$", re.S)


@dataclass(frozen=True)
class Block:
    """One fenced block of the README: where, its language, its text, and what to do."""

    line: int
    lang: str
    code: str
    action: str  # run | skip | write | show (a language this test does not run)
    argument: str = ""  # the reason to skip, or the file to write

    @property
    def id(self) -> str:
        return f"line-{self.line}-{self.lang}"


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of ``text``, each with the action its marker comment asks for."""
    blocks, previous_end = [], 0
    for match in FENCE.finditer(text):
        lang, code = match.group(1), match.group(2)
        marker = MARKER.search(text[previous_end : match.start()])
        line = text.count("\n", 0, match.start()) + 1
        if marker:
            action, argument = marker.group(1), marker.group(2).strip().strip("()")
        else:
            action, argument = ("run" if lang in RUNNABLE else "show"), ""
        blocks.append(Block(line, lang, code, action, argument))
        previous_end = match.end()
    return blocks


BLOCKS = readme_blocks(README.read_text())
EXAMPLES = [block for block in BLOCKS if block.action in {"run", "write"}]


def shrink(recipe: dict) -> dict:
    """A recipe of the same shape that builds in seconds: few rows, short training."""
    generator = recipe["generator"]
    recipe["rows"] = min(recipe["rows"], 300)
    if generator["kind"] == "diffusion":
        recipe["rows"] = 40
        generator.update(epochs=1, width=8, steps=2)
    if "epochs" in generator.get("params", {}):
        generator["params"]["epochs"] = 5
    if "text" in generator:  # the language model of text columns: one short epoch, few texts
        generator["text"].update(max_epochs=1, max_training_time=0.2)
        generator["max_epochs"] = 2
        recipe["rows"] = 40
    if generator["kind"] == "table" and generator.get("model") == "auto":
        generator["budget"] = "1s"  # the first candidate (the copula) only
    recipe["quality"] = {"min_overall": 0}  # tiny models miss the real gates
    return recipe


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The home folder of the README's commands (``~``), with git's identity set."""
    return tmp_path_factory.mktemp("readme-home")


@pytest.fixture(scope="module")
def hub(home: Path) -> Iterator[HubServer]:
    with HubServer(home.parent / "readme-hub", token=HF_TEST_TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def user_env(home: Path, hub: HubServer) -> dict[str, str]:
    """The environment of a user who ran scripts/build and activated .venv, on the test Hub."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "HF_", "PHANTOM_", "GIT_"))
    }
    for who in ("AUTHOR", "COMMITTER"):
        env.update({f"GIT_{who}_NAME": "Reader", f"GIT_{who}_EMAIL": "reader@example.invalid"})
    env.update(
        HOME=str(home),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HF_HOME=str(home / ".cache" / "huggingface"),
        HF_ENDPOINT=hub.url,
        HF_TOKEN=hub.token,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_UPDATE_DOWNLOAD_COUNTS="0",
        NO_PROXY="127.0.0.1,localhost",
        DVC_NO_ANALYTICS="1",
    )
    return env


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory, user_env: dict[str, str]) -> Path:
    """What scripts/build leaves, small: scripts/bundle run on shrunk copies of the recipes."""
    work = tmp_path_factory.mktemp("bundle")
    recipes = work / "recipes"
    shutil.copytree(ROOT / "recipes", recipes)
    for path in [*recipes.glob("*.yaml"), *recipes.glob("history/*.yaml")]:
        path.write_text(yaml.safe_dump(shrink(yaml.safe_load(path.read_text())), sort_keys=False))
    dest = work / "bundled"
    result = subprocess.run(
        [ROOT / "scripts" / "bundle", recipes, dest],
        env=user_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"scripts/bundle failed:\n{result.stdout}\n{result.stderr}"
    return dest


class ReadmeSession:
    """Runs the examples in README order, each once, so a later one sees what earlier did."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env
        self.results: dict[int, subprocess.CompletedProcess[str]] = {}

    def run_through(self, block: Block) -> subprocess.CompletedProcess[str]:
        for earlier in EXAMPLES[: EXAMPLES.index(block) + 1]:
            if earlier.line not in self.results:
                self.results[earlier.line] = self._run(earlier)
        return self.results[block.line]

    def _run(self, block: Block) -> subprocess.CompletedProcess[str]:
        if block.action == "write":
            (self.cwd / block.argument).write_text(block.code)
            return subprocess.CompletedProcess([], 0, "", "")
        command = (
            [sys.executable, "-c", block.code]
            if block.lang == "python"
            else ["bash", "-e", "-o", "pipefail", "-c", block.code]
        )
        return subprocess.run(
            command, cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False
        )


@pytest.fixture(scope="module")
def readme(bundled: Path, user_env: dict[str, str]) -> ReadmeSession:
    return ReadmeSession(bundled, user_env)


@pytest.mark.slow
@pytest.mark.parametrize("block", EXAMPLES, ids=[block.id for block in EXAMPLES])
def test_readme_example_runs_as_written(readme: ReadmeSession, block: Block):
    result = readme.run_through(block)
    assert result.returncode == 0, (
        f"README.md line {block.line} ({block.lang}) failed:\n{block.code}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


@pytest.mark.slow
def test_bundle_releases_every_recipe_state_and_leaves_data_matching_dvc_lock(bundled: Path):
    states = [*(ROOT / "recipes").glob("*.yaml"), *(ROOT / "recipes").glob("history/*.yaml")]
    recipes = [yaml.safe_load(path.read_text()) for path in states]
    tags = subprocess.run(
        ["git", "tag", "--list"], cwd=bundled, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(tags) == sorted(f"{r['name']}@{r['version']}" for r in recipes)
    git_status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=bundled,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert git_status == ""  # the examples add files (train.yaml, ...), never change one
    dvc_status = subprocess.run(
        ["dvc", "status", "--quiet"], cwd=bundled, capture_output=True, text=True, check=False
    )
    assert dvc_status.returncode == 0, dvc_status.stdout  # data/ is what dvc.lock records


@pytest.mark.slow
def test_every_bundled_version_has_a_croissant_file_mlcroissant_validates_and_reads(
    bundled: Path,
) -> None:
    mlc = pytest.importorskip("mlcroissant")
    source = Registry(bundled)
    versions = source.versions()
    assert len(versions) >= 5  # every recipe, and penguins-synth's earlier state
    for version in versions:
        folder = source.fetch(version)
        doc = json.loads((folder / "croissant.json").read_text())
        assert doc["rai:hasSyntheticData"] is True, version.tag
        dataset = mlc.Dataset(jsonld=folder / "croissant.json")  # raises when it is invalid
        splits = json.loads((folder / "manifest.json").read_text())["splits"]
        read = {rs["@id"]: sum(1 for _ in dataset.records(rs["@id"])) for rs in doc["recordSet"]}
        assert read == splits, version.tag


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_readme_tui_compares_penguins_1_1_0_with_the_release_before(
    bundled: Path, anyio_backend: str
):
    from tui.app import PhantomApp
    from tui.screens.compare import CompareScreen

    app = PhantomApp(registry=Registry(bundled))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_version(pilot, "penguins-synth@1.1.0")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert (app.screen.old, app.screen.new) == ("penguins-synth@1.0.0", "penguins-synth@1.1.0")
        assert app.screen.diff is not None


def test_readme_marks_every_block_it_does_not_run_with_a_reason():
    for block in BLOCKS:
        assert block.action in {"run", "write", "show", "skip"}
        if block.action == "skip":
            assert block.argument, f"README.md line {block.line}: say why the block is skipped"
        if block.action == "write":
            assert re.fullmatch(r"[\w.-]+", block.argument), f"line {block.line}: a file name"
    assert any(block.action == "run" for block in BLOCKS)
