"""A diffusion recipe becomes an image dataset that `datasets` loads as PIL images and labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from registry import Registry
from registry.errors import RecipeError, SeedError
from tests.conftest import TINY_DIGITS, write


def test_files_include_the_saved_model_and_the_sample_grid(released_digits: Path) -> None:
    folder = released_digits / "data" / "digits"
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    assert {
        "README.md",
        "data/train-00000-of-00001.parquet",
        "data/test-00000-of-00001.parquet",
        "model/model_index.json",
        "model/phantom.json",
        "model/unet/diffusion_pytorch_model.safetensors",
        "model/scheduler/scheduler_config.json",
        "plots/synthetic_samples.png",
        "plots/real_samples.png",
        "quality.json",
        "manifest.json",
    } <= files
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "model/unet/diffusion_pytorch_model.safetensors" in manifest["model_files"]
    assert manifest["generator"] == {"kind": "diffusion", "model": "ddpm"}
    assert {"torch", "diffusers"} <= set(manifest["library_versions"])


def test_load_dataset_returns_pil_images_and_class_names(released_digits: Path) -> None:
    import datasets
    from PIL.Image import Image

    ds = datasets.load_dataset(str(released_digits / "data" / "digits"))

    assert {name: len(split) for name, split in ds.items()} == {"train": 60, "test": 20}
    features = ds["train"].features
    assert isinstance(features["image"], datasets.Image)
    assert features["label"].names == [str(d) for d in range(10)]
    row = ds["train"][0]
    assert isinstance(row["image"], Image) and row["image"].size == (8, 8)
    assert row["image"].mode == "L"
    labels = [features["label"].int2str(i) for i in [*ds["train"]["label"], *ds["test"]["label"]]]
    assert sorted(set(labels)) == ["0", "1", "7"]
    assert labels.count("7") == 40  # weight 2 of 4, of 80 images


def test_registry_load_verifies_and_returns_the_same_images(released_digits: Path) -> None:
    ds = Registry(released_digits).load("digits")

    assert ds["test"].features["label"].names[7] == "7"
    assert np.asarray(ds["test"][0]["image"]).shape == (8, 8)


def test_the_card_shows_the_image_scores_and_embeds_the_grid(released_digits: Path) -> None:
    folder = released_digits / "data" / "digits"
    quality = json.loads((folder / "quality.json").read_text())
    card = (folder / "README.md").read_text()
    meta = yaml.safe_load(card.split("---\n")[1])

    assert quality["kind"] == "image"
    assert {"fidelity", "utility", "privacy"} <= set(quality["areas"])
    assert f"{quality['images']['label_fidelity']:.1%}" in card
    assert f"{quality['utility']['tstr']:.1%} | {quality['utility']['trtr']:.1%}" in card
    assert f"{quality['images']['frechet_distance']:.3f}" in card
    assert "phantom-cnn-64" in card
    assert "![synthetic samples](plots/synthetic_samples.png)" in card
    assert meta["dataset_info"]["features"][0] == {"name": "image", "dtype": "image"}
    assert meta["dataset_info"]["features"][1]["dtype"]["class_label"]["names"]["7"] == "7"


def test_the_card_warns_a_torch_trained_build_may_differ_on_another_cpu(
    released_digits: Path,
) -> None:
    card = (released_digits / "data" / "digits" / "README.md").read_text()
    line = next(line for line in card.splitlines() if line.startswith("| content hash |"))
    assert "same recipe, library versions (manifest) and machine type, 1 thread" in line
    assert "another CPU type may give other bytes" in line


def test_rebuilding_gives_the_same_content_hash(released_digits: Path) -> None:
    before = json.loads((released_digits / "data/digits/manifest.json").read_text())

    again = Registry(released_digits).materialize(released_digits / "recipes" / "digits.yaml")

    assert again.content_hash == before["content_hash"]


@pytest.mark.parametrize("model_path", ["registry:digits@1.0.0", "data/digits/model"])
def test_a_saved_model_extends_the_dataset_without_retraining(
    released_digits: Path, model_path: str
) -> None:
    recipe = TINY_DIGITS.format(name="digits-more").replace(
        "model: ddpm", f"model: pretrained\n  path: {model_path}"
    )
    path = write(released_digits / "recipes" / "digits-more.yaml", recipe)
    messages: list[str] = []

    result = Registry(released_digits).materialize(path, progress=messages.append)

    assert result.manifest["generator"] == {"kind": "diffusion", "model": "pretrained"}
    assert result.manifest["rows"] == 80
    assert not any(m.startswith("epoch") for m in messages)  # nothing was trained


def _png(path: Path, color: tuple[int, int, int]) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), color).save(path)


def test_an_image_folder_seed_gives_its_subfolders_as_classes(registry_root: Path) -> None:
    import datasets

    for i in range(12):
        _png(registry_root / f"recipes/seeds/shapes/red/{i}.png", (200 + i, 10, 10))
        _png(registry_root / f"recipes/seeds/shapes/blue/{i}.png", (10, 10, 200 + i))
    recipe = TINY_DIGITS.format(name="shapes").replace('"sklearn:digits"', "recipes/seeds/shapes")
    recipe = recipe.replace('classes: {"0": 1, "1": 1, "7": 2}', "guidance_scale: 1.0")
    path = write(registry_root / "recipes" / "shapes.yaml", recipe)

    result = Registry(registry_root).materialize(path)

    ds = datasets.load_dataset(str(result.path))
    assert ds["train"].features["label"].names == ["blue", "red"]
    assert ds["train"][0]["image"].mode == "RGB"
    assert result.manifest["seed"]["kind"] == "file"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            ('"sklearn:digits"', "recipes/seeds/penguins.csv"),
            RecipeError,
            r"shapes.yaml: seed.source 'recipes/seeds/penguins.csv': a diffusion recipe "
            "learns from images",
        ),
        (
            ('"sklearn:digits"', '"sklearn:wine"'),
            RecipeError,
            r"'sklearn:wine' is a table; the bundled image set is sklearn:digits",
        ),
        (
            ('"sklearn:digits"', "recipes/seeds/nothing"),
            SeedError,
            r"shapes.yaml: seed.source 'recipes/seeds/nothing': no such folder",
        ),
        (
            ('"7": 2', '"cat": 2'),
            RecipeError,
            r"shapes.yaml: generator.classes: 'cat' is not a label of the seed",
        ),
        (("width: 8", "width: 8\n  image_size: 10"), RecipeError, r"generator.image_size: .*4"),
        (
            ("model: ddpm", "model: ddpm\n  path: x"),
            RecipeError,
            r"path, prompt and prompts belong to model: pretrained",
        ),
    ],
)
def test_bad_image_recipes_get_one_line_and_write_nothing(
    registry_root: Path, change: tuple[str, str], error: type[Exception], message: str
) -> None:
    recipe = TINY_DIGITS.format(name="shapes").replace(*change)
    path = write(registry_root / "recipes" / "shapes.yaml", recipe)

    with pytest.raises(error, match=message) as raised:
        Registry(registry_root).materialize(path)

    assert "\n" not in str(raised.value)
    assert not (registry_root / "data" / "shapes").exists()


def test_an_image_outside_a_label_folder_is_named(registry_root: Path) -> None:
    _png(registry_root / "recipes/seeds/loose/a/1.png", (1, 2, 3))
    _png(registry_root / "recipes/seeds/loose/stray.png", (1, 2, 3))
    recipe = TINY_DIGITS.format(name="loose").replace('"sklearn:digits"', "recipes/seeds/loose")
    path = write(registry_root / "recipes" / "loose.yaml", recipe)

    with pytest.raises(SeedError, match=r"stray.png is not directly in a label subfolder"):
        Registry(registry_root).materialize(path)


def test_validate_reads_the_image_seed_and_checks_the_classes(registry_root: Path) -> None:
    from registry.validation import validate_recipe

    good = write(registry_root / "recipes" / "digits.yaml", TINY_DIGITS.format(name="digits"))
    bad = write(
        registry_root / "recipes" / "odd.yaml",
        TINY_DIGITS.format(name="odd").replace('"7": 2', '"eleven": 2'),
    )

    assert validate_recipe(good, registry=Registry(registry_root)).target == "label"
    with pytest.raises(RecipeError, match=r"odd.yaml: generator.classes: 'eleven' is not a label"):
        validate_recipe(bad, registry=Registry(registry_root))
