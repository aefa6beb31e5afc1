"""The diffusion generator on a tiny configuration: labels, shapes, determinism, saved models."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry.errors import RecipeError
from registry.generators import make_generator
from registry.images import frame_pixels, image_frame, pixels_to_png
from registry.recipes import DiffusionGenerator as DiffusionConfig

TINY = {"kind": "diffusion", "model": "ddpm", "epochs": 1, "width": 8, "steps": 3}


def tiny_config(**overrides) -> DiffusionConfig:
    return DiffusionConfig.model_validate({**TINY, **overrides})


@pytest.fixture(scope="module")
def digits() -> pd.DataFrame:
    """300 of scikit-learn's digits as image + label rows, as the seed reader gives them."""
    from registry.seeds import _read_digits

    return _read_digits("sklearn:digits").frame.iloc[:300].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(digits: pd.DataFrame):
    generator = make_generator(tiny_config(), random_seed=5)
    generator.fit(digits)
    return generator


def test_sampled_images_have_the_seed_size_and_one_channel(fitted) -> None:
    frame = fitted.sample(24)

    assert list(frame.columns) == ["image", "label"]
    assert frame_pixels(frame).shape == (24, 1, 8, 8)


def test_labels_follow_the_seed_shares_exactly_by_default(digits: pd.DataFrame, fitted) -> None:
    frame = fitted.sample(300)

    assert Counter(frame["label"]) == Counter(digits["label"])


def test_class_weights_in_the_recipe_set_the_label_counts(digits: pd.DataFrame) -> None:
    generator = make_generator(tiny_config(classes={"3": 3, "7": 1}), random_seed=5)
    generator.fit(digits)

    frame = generator.sample(40)

    assert Counter(frame["label"]) == {"3": 30, "7": 10}
    assert generator.class_names == [str(d) for d in range(10)]  # the ClassLabel names


def test_a_class_the_seed_lacks_is_a_recipe_error(digits: pd.DataFrame) -> None:
    generator = make_generator(tiny_config(classes={"cat": 1}), random_seed=5)

    with pytest.raises(RecipeError, match=r"generator.classes: 'cat' is not a label"):
        generator.fit(digits)


def test_same_recipe_and_seed_give_the_same_image_bytes(digits: pd.DataFrame, fitted) -> None:
    again = make_generator(tiny_config(), random_seed=5)
    again.fit(digits)
    other_seed = make_generator(tiny_config(), random_seed=6)
    other_seed.fit(digits)

    assert fitted.sample(16).equals(again.sample(16))
    assert not fitted.sample(16)["image"].equals(other_seed.sample(16)["image"])


def test_image_size_upsamples_the_seed(digits: pd.DataFrame) -> None:
    generator = make_generator(tiny_config(image_size=16), random_seed=1)
    generator.fit(digits.iloc[:64])

    assert frame_pixels(generator.sample(4)).shape == (4, 1, 16, 16)


def test_the_saved_model_reloads_with_its_pipeline_class(fitted, tmp_path: Path) -> None:
    from registry.generators._pipeline import ClassConditionalPipeline

    assert fitted.save(tmp_path)
    folder = tmp_path / "model"

    pipeline = ClassConditionalPipeline.from_pretrained(folder)
    images = pipeline([0, 9], num_inference_steps=2, output_type="np").images
    assert images.shape == (2, 8, 8, 1)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert '"class_names"' in (folder / "phantom.json").read_text()


def test_a_saved_model_extends_a_dataset_without_retraining(
    digits: pd.DataFrame, fitted, tmp_path: Path
) -> None:
    assert fitted.save(tmp_path)
    folder = tmp_path / "model"
    reused = make_generator(
        tiny_config(model="pretrained", epochs=1, path=str(folder), classes={"4": 1}),
        random_seed=5,
    )

    reused.fit(digits)  # reads the weights: nothing is trained
    frame = reused.sample(6)

    assert set(frame["label"]) == {"4"}
    assert frame_pixels(frame).shape == (6, 1, 8, 8)
    assert reused.sample(6).equals(frame)


def test_a_saved_model_loads_as_a_generator_that_samples_the_same_batches(
    fitted, tmp_path: Path
) -> None:
    from registry.generators.diffusion import DiffusionGenerator

    fitted.save(tmp_path)
    config = tiny_config(classes=fitted.weights)

    loaded = DiffusionGenerator.load(tmp_path / "model", config, random_seed=5)

    assert loaded.class_names == fitted.class_names
    assert loaded.sample_batch(3, 12).equals(fitted.sample_batch(3, 12))


def test_a_model_trained_without_guidance_is_not_reused_with_it(
    digits: pd.DataFrame, tmp_path: Path
) -> None:
    unguided = make_generator(tiny_config(guidance_scale=1.0), random_seed=1)
    unguided.fit(digits.iloc[:64])
    unguided.save(tmp_path)
    folder = tmp_path / "model"
    reuse = make_generator(
        tiny_config(model="pretrained", path=str(folder), guidance_scale=1.5), random_seed=1
    )

    with pytest.raises(RecipeError, match=r"generator.guidance_scale: .*trained without guidance"):
        reuse.fit(digits)


def test_pretrained_needs_a_pipeline_folder(digits: pd.DataFrame, tmp_path: Path) -> None:
    generator = make_generator(tiny_config(model="pretrained", path=str(tmp_path)), random_seed=0)

    with pytest.raises(RecipeError, match="not a diffusers pipeline folder"):
        generator.fit(digits)


def test_pixels_round_trip_through_png() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (3, 1, 8, 8)).astype(np.float32) / 255

    frame = image_frame(pixels_to_png(pixels), ["a", "b", "a"])

    np.testing.assert_array_equal(frame_pixels(frame), pixels)


# --- model: pretrained, text to image ---------------------------------------------------------


def save_tiny_text_to_image_pipeline(folder: Path) -> Path:
    """A Stable Diffusion pipeline with random weights, a few thousand parameters, saved the
    way a user's downloaded one would be (the tests cannot download one)."""
    import json

    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    characters = [chr(c) for c in range(33, 127)]  # printable ASCII maps to itself in BPE
    vocab = ["<|startoftext|>", "<|endoftext|>", *characters, *(c + "</w>" for c in characters)]
    (folder / "tokenizer").mkdir(parents=True)
    (folder / "tokenizer/vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}))
    (folder / "tokenizer/merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(
        str(folder / "tokenizer/vocab.json"),
        str(folder / "tokenizer/merges.txt"),
        model_max_length=77,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(vocab),
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=8,
        attention_head_dim=2,
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(8,),
        down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",),
        latent_channels=4,
        norm_num_groups=8,
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=DDIMScheduler(clip_sample=False),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


@pytest.fixture(scope="module")
def text_to_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_text_to_image_pipeline(tmp_path_factory.mktemp("sd"))


def test_a_local_text_to_image_pipeline_is_prompted_per_class(
    digits: pd.DataFrame, text_to_image: Path
) -> None:
    config = tiny_config(
        model="pretrained",
        path=str(text_to_image),
        prompt="a photo of the digit {label}",
        prompts={"7": "a handwritten seven"},
        classes={"3": 1, "7": 1},
    )
    generator = make_generator(config, random_seed=2)
    generator.fit(digits)

    frame = generator.sample(6)

    assert Counter(frame["label"]) == {"3": 3, "7": 3}
    assert frame_pixels(frame).shape == (6, 1, 8, 8)  # the seed's size and channels
    assert generator._prompt("3") == "a photo of the digit 3"
    assert generator._prompt("7") == "a handwritten seven"
    assert generator.save(Path("unused")) is False  # the user's weights stay theirs
    again = make_generator(config, random_seed=2)
    again.fit(digits)
    assert again.sample(6).equals(frame)
