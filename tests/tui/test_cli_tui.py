"""`phantom tui`: a thin command that opens the app on the registry it is run in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from registry.cli import app

runner = CliRunner()


def test_tui_runs_phantom_app_on_the_registry_of_the_cwd(
    registry_root: Path, monkeypatch: pytest.MonkeyPatch
):
    from tui.app import PhantomApp

    monkeypatch.chdir(registry_root / "recipes")
    with mock.patch.object(PhantomApp, "run", autospec=True) as run:
        result = runner.invoke(app, ["tui"])
    assert result.exit_code == 0, result.output
    (launched,) = run.call_args.args
    run.assert_called_once_with(launched)
    assert launched.registry.root == registry_root.resolve()


def test_tui_outside_a_registry_prints_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["tui"])
    assert result.exit_code == 2
    assert result.output.startswith("error: no registry in")


def test_phantom_help_does_not_import_textual():
    code = "import sys; from registry.cli import app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
