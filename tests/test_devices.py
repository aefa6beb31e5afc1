"""Torch generators take `device: auto | cpu | cuda`; CPU is the deterministic default.

The GPU tests run where torch sees a GPU and skip themselves elsewhere.
"""

from __future__ import annotations

import pandas as pd
import pytest

from registry.errors import RecipeError
from registry.generators import make_generator
from registry.generators._torch import resolve_device
from registry.recipes import DiffusionGenerator as DiffusionConfig
from registry.recipes import SdvGenerator as SdvConfig
from registry.recipes import TabularArgnGenerator as ArgnConfig


def gpu_present() -> bool:
    import torch

    return torch.cuda.is_available()


needs_gpu = pytest.mark.skipif("not gpu_present()", reason="torch sees no GPU here")


def test_device_defaults_to_cpu_for_every_torch_generator() -> None:
    assert DiffusionConfig(kind="diffusion").device == "cpu"
    assert SdvConfig(kind="sdv", model="ctgan").device == "cpu"
    assert ArgnConfig(kind="table").device == "cpu"
    assert resolve_device("cpu") == "cpu"


def test_auto_device_is_cuda_only_where_torch_sees_a_gpu() -> None:
    assert resolve_device("auto") == ("cuda" if gpu_present() else "cpu")


@pytest.mark.skipif("gpu_present()", reason="a GPU is present")
def test_cuda_without_a_gpu_is_refused_with_one_line() -> None:
    with pytest.raises(RecipeError, match=r"^generator\.device: cuda was asked for but torch"):
        make_generator(DiffusionConfig(kind="diffusion", device="cuda"), random_seed=0)


@pytest.mark.slow
@needs_gpu
def test_diffusion_trains_and_samples_on_the_gpu() -> None:
    from registry.images import frame_pixels
    from registry.seeds import _read_digits

    digits = _read_digits("sklearn:digits").frame.iloc[:128].reset_index(drop=True)
    config = DiffusionConfig(kind="diffusion", epochs=1, width=8, steps=3, device="cuda")
    generator = make_generator(config, random_seed=1)
    generator.fit(digits)

    frame = generator.sample(8)

    assert frame_pixels(frame).shape == (8, 1, 8, 8)
    assert generator.library_versions()["device"] == "cuda"
    assert next(generator.pipeline.unet.parameters()).is_cuda


@pytest.mark.slow
@needs_gpu
def test_ctgan_trains_on_the_gpu_and_keeps_the_seed_columns() -> None:
    from palmerpenguins import load_penguins

    seed = load_penguins().dropna().reset_index(drop=True)
    config = SdvConfig(kind="sdv", model="ctgan", params={"epochs": 2}, device="cuda")
    generator = make_generator(config, random_seed=1)
    generator.fit(seed)

    sample = generator.sample(20)

    assert list(sample.columns) == list(seed.columns)
    assert isinstance(sample, pd.DataFrame) and len(sample) == 20


@pytest.mark.slow
@needs_gpu
def test_tabular_argn_trains_and_samples_on_the_gpu() -> None:
    from palmerpenguins import load_penguins

    seed = load_penguins().sample(200, random_state=0).reset_index(drop=True)
    config = ArgnConfig(kind="table", model_size="S", max_epochs=1, device="cuda")
    generator = make_generator(config, random_seed=1)
    generator.fit(seed)

    sample = generator.sample(20)

    assert list(sample.columns) == list(seed.columns) and len(sample) == 20
    assert generator.library_versions()["device"] == "cuda"
    pd.testing.assert_frame_equal(generator.sample_batch(0, 20), sample)
