"""Quality plots (registry/quality/plots.py): files, determinism, odd columns and speed."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry.quality.fidelity import column_kinds
from registry.quality.plots import DPI, LEGEND_HEIGHT, PANEL_SIZE, save_plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_chunks(path: Path) -> list[str]:
    data, at, names = path.read_bytes(), 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        names.append(data[at + 4 : at + 8].decode("ascii"))
        at += 12 + length
    return names


def make_frame(rows: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.0, 1.0, rows)
    return pd.DataFrame(
        {
            "id": [f"{i:08x}-{seed}" for i in range(rows)],
            "amount": amount,
            "fee": amount * 0.03 + rng.normal(0, 0.5, rows),
            "hour": rng.integers(0, 24, rows),
            "ts": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 86_400, rows), unit="s"),
            "merchant": rng.choice(["grocery", "travel", "online"], rows, p=[0.5, 0.2, 0.3]),
            "returning": rng.random(rows) < 0.3,
            "score": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(0, 1, rows)),
        }
    )


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return make_frame(seed=1)


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return make_frame(seed=2)


def test_save_plots_writes_columns_and_correlations(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    saved = save_plots(real, synthetic, tmp_path / "plots")
    assert saved == {"columns": "columns.png", "correlations": "correlations.png"}
    for file in saved.values():
        path = tmp_path / "plots" / file
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert path.stat().st_size > 10_000


def test_save_plots_is_byte_identical_across_calls(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    first = save_plots(real, synthetic, tmp_path / "a", columns=["score"])
    second = save_plots(real.copy(), synthetic.copy(), tmp_path / "b", columns=["score"])
    assert first == second
    for file in first.values():
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_save_plots_writes_no_software_or_date_metadata(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    save_plots(real, synthetic, tmp_path)
    for file in ("columns.png", "correlations.png"):
        chunks = png_chunks(tmp_path / file)
        assert not {"tEXt", "iTXt", "zTXt", "tIME"} & set(chunks)


def test_save_plots_without_real_data_draws_synthetic_only(synthetic: pd.DataFrame, tmp_path: Path):
    saved = save_plots(None, synthetic, tmp_path)
    assert saved == {"columns": "columns.png"}
    assert not (tmp_path / "correlations.png").exists()
    # seven panels (the id column is not drawn): three rows of three
    assert png_size(tmp_path / "columns.png") == (
        round(3 * PANEL_SIZE[0] * DPI),
        round((3 * PANEL_SIZE[1] + LEGEND_HEIGHT) * DPI),
    )


def test_save_plots_skips_id_columns(real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path):
    save_plots(real[["id", "amount"]], synthetic[["id", "amount"]], tmp_path / "with")
    save_plots(real[["amount"]], synthetic[["amount"]], tmp_path / "without")
    with_id = (tmp_path / "with" / "columns.png").read_bytes()
    assert with_id == (tmp_path / "without" / "columns.png").read_bytes()


def test_save_plots_single_column_has_no_correlations(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    saved = save_plots(real[["amount"]], synthetic[["amount"]], tmp_path)
    assert saved == {"columns": "columns.png"}
    assert png_size(tmp_path / "columns.png") == (
        round(PANEL_SIZE[0] * DPI),
        round((PANEL_SIZE[1] + LEGEND_HEIGHT) * DPI),
    )


def test_save_plots_without_numbers_has_no_correlations(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    (tmp_path / "correlations.png").write_bytes(b"stale")
    categories = ["merchant", "returning"]
    saved = save_plots(real[categories], synthetic[categories], tmp_path)
    assert saved == {"columns": "columns.png"}
    assert not (tmp_path / "correlations.png").exists()


def test_save_plots_caps_panels_at_max_columns(tmp_path: Path):
    rng = np.random.default_rng(5)
    wide = pd.DataFrame({f"c{i:02d}": rng.normal(i, 1 + i / 10, 500) for i in range(20)})
    other = wide * 1.1
    save_plots(wide, other, tmp_path / "all", max_columns=12)
    first = [f"c{i:02d}" for i in range(12)]
    save_plots(wide[first], other[first], tmp_path / "first")
    for file in ("columns.png", "correlations.png"):
        assert (tmp_path / "all" / file).read_bytes() == (tmp_path / "first" / file).read_bytes()
    assert png_size(tmp_path / "all" / "columns.png")[1] == round(
        (4 * PANEL_SIZE[1] + LEGEND_HEIGHT) * DPI
    )


def test_save_plots_draws_the_given_columns_first(tmp_path: Path):
    rng = np.random.default_rng(6)
    wide = pd.DataFrame({f"c{i:02d}": rng.normal(i, 1.0, 500) for i in range(20)})
    save_plots(wide, wide + 1, tmp_path / "worst", columns=["c19", "c07", "nope"], max_columns=2)
    save_plots(wide[["c19", "c07"]], wide[["c19", "c07"]] + 1, tmp_path / "pair")
    for file in ("columns.png", "correlations.png"):
        assert (tmp_path / "worst" / file).read_bytes() == (tmp_path / "pair" / file).read_bytes()


def test_save_plots_handles_nan_inf_datetimes_and_booleans(tmp_path: Path):
    rng = np.random.default_rng(7)
    rows = 400

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "aware": pd.date_range("2024-01-01", periods=rows, freq="h", tz="Europe/Berlin"),
                "naive_us": (
                    pd.Timestamp("2024-03-01")
                    + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s")
                ).astype("datetime64[us]"),
                "as_text": pd.date_range("2024-01-01", periods=rows, freq="D").astype(str),
                "with_nan": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(shift, 1, rows)),
                "with_inf": np.where(rng.random(rows) < 0.05, np.inf, rng.random(rows)),
                "all_nan": np.full(rows, np.nan),
                "flag": rng.random(rows) < 0.4,
                "nullable_flag": pd.Series(rng.random(rows) < 0.5, dtype="boolean").mask(
                    rng.random(rows) < 0.3
                ),
                "city": pd.Series(rng.choice(["Paris", "Berlin", None], rows), dtype=object),
            }
        )

    real, synthetic = frame(0.0), frame(1.0)
    kinds = column_kinds(real)
    assert kinds["aware"] == kinds["as_text"] == "datetime"
    assert kinds["flag"] == "boolean"
    saved = save_plots(real, synthetic, tmp_path)
    assert saved == {"columns": "columns.png", "correlations": "correlations.png"}


def test_save_plots_handles_many_categories_and_empty_frames(tmp_path: Path):
    rng = np.random.default_rng(8)
    labels = [f"a rather long category label {i}" for i in range(40)]
    real = pd.DataFrame({"label": rng.choice(labels, 1_000), "level": rng.integers(0, 5, 1_000)})
    assert save_plots(real, real.sample(frac=1, random_state=1), tmp_path / "many") == {
        "columns": "columns.png"
    }
    empty = real.iloc[:0]
    assert save_plots(empty, empty, tmp_path / "empty")["columns"] == "columns.png"


def test_save_plots_with_no_columns_writes_nothing(
    real: pd.DataFrame, synthetic: pd.DataFrame, tmp_path: Path
):
    assert save_plots(real, synthetic, tmp_path, max_columns=0) == {}
    assert list(tmp_path.iterdir()) == []


def test_save_plots_uses_no_pyplot_and_imports_matplotlib_lazily(tmp_path: Path):
    script = f"""
import sys
import pandas as pd
from registry.quality.plots import save_plots
assert "matplotlib" not in sys.modules
frame = pd.DataFrame({{"x": [1.0, 2.0, 3.5]}})
save_plots(frame, frame + 1, {str(tmp_path)!r})
assert "matplotlib.figure" in sys.modules
assert "matplotlib.pyplot" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True)


def test_save_plots_is_fast_on_100k_rows(tmp_path: Path):
    rows = 100_000

    def frame(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        data = {f"x{i}": rng.normal(i, 1, rows) for i in range(6)}
        data |= {
            "amount": rng.lognormal(3, 1, rows),
            "hour": rng.integers(0, 24, rows),
            "n": rng.poisson(2, rows),
            "ts": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * 86_400, rows), unit="s"),
            "merchant": rng.choice(["grocery", "travel", "online"], rows),
            "tier": rng.choice([f"tier {i}" for i in range(30)], rows),
            "flag": rng.random(rows) < 0.3,
        }
        return pd.DataFrame(data)

    real, synthetic = frame(1), frame(2)
    assert real.shape == (rows, 13)
    save_plots(real.head(100), synthetic.head(100), tmp_path / "warm")  # imports matplotlib
    # CPU time of this process: other jobs on a shared machine do not count against it
    start = time.process_time()
    saved = save_plots(real, synthetic, tmp_path / "big")
    elapsed = time.process_time() - start
    assert set(saved) == {"columns", "correlations"}
    assert elapsed < 3.0
