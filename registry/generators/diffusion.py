"""Labeled images from a class-conditional diffusion model, behind the Generator protocol.

``generator: {kind: diffusion, model: ddpm, ...}`` trains a small ``UNet2DModel`` (diffusers)
on the seed's train images, the label being the condition: DDPM noise-prediction training
with the label dropped to a "no class" embedding 10% of the time, so that sampling can use
classifier-free guidance; sampling runs the :class:`ClassConditionalPipeline` with a DDIM (or
DDPM) scheduler. ``model: pretrained`` loads a pipeline from ``path`` instead: one Phantom
saved with an earlier version (sampled by label, no retraining), or any local text-to-image
diffusers pipeline prompted per class.

Choices, in order of the work:

Images
    Seeds arrive as ``image`` (PNG) + ``label`` frames (:mod:`registry.images`); they are
    resized to ``image_size`` (default: the seed's own size), scaled to [-1, 1], and keep one
    channel if every seed image is grayscale.
Network
    Three levels of ``width``, ``2 width``, ``2 width`` channels, one ResNet layer each,
    self-attention at the lowest level; ``num_class_embeds`` = classes + 1. About 1.1M
    parameters at ``width: 32``.
Training
    AdamW at ``learning_rate`` with a 5% warm-up and cosine decay (diffusers' schedule),
    batches drawn by a seeded ``torch.Generator``; 1,000 DDPM steps, linear betas,
    ``clip_sample=False`` (clipping ruins guided samples). The saved and sampled weights are
    an exponential moving average of the trained ones (decay :data:`EMA_DECAY`).
Determinism
    Python, NumPy and torch are seeded with ``random_seed`` for the block, every random draw
    goes through an explicit generator, and torch runs with :func:`torch_thread_count`
    threads; the same recipe, seed and machine give the same bytes, weights included.
Labels
    ``classes`` weights (default: the seed's shares) become exact counts by largest
    remainder, then shuffled with ``np.random.default_rng(random_seed)``.

torch and diffusers are imported inside the methods: ``phantom --help`` must stay fast.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import GeneratorError, PhantomError, RecipeError
from registry.generators._base import MODEL_FOLDER, BaseGenerator, BuildContext, batch_seed
from registry.generators._torch import (
    limited_threads,
    resolve_device,
    seeded,
    torch_thread_count,
)
from registry.images import (
    LABEL_COLUMN,
    class_names,
    conform,
    frame_pixels,
    image_frame,
    pixels_to_png,
    to_uint8,
)
from registry.recipes import DiffusionGenerator as DiffusionConfig

TRAIN_TIMESTEPS = 1000
LABEL_DROPOUT = 0.1  # share of training labels replaced by "no class", for guidance
SAMPLE_BATCH = 500  # images in one batch, denoised at once: bounds memory at large sizes
WARMUP_SHARE = 0.05
EMA_DECAY = 0.995  # the sampled weights are a moving average: smoother, better samples
MODEL_INFO = "phantom.json"  # class names and image geometry, beside model_index.json
DEFAULT_PROMPT = "a photo of {label}"


class DiffusionGenerator(BaseGenerator):
    """Fit a class-conditional diffusion model on labeled images, then sample labeled images."""

    Config = DiffusionConfig
    batch_rows = SAMPLE_BATCH

    def __init__(
        self, config: DiffusionConfig, *, random_seed: int, context: BuildContext | None = None
    ) -> None:
        super().__init__(config, random_seed=random_seed, context=context)
        self.device = resolve_device(config.device)
        self.class_names: list[str] = []
        self.weights: dict[str, float] = {}
        self.image_size = config.image_size or 0
        self.channels = 1
        self.pipeline: Any = None
        self.saves_pipeline = True
        self._text_to_image = False
        self._guidance_trained = config.guidance_scale != 1.0  # was the "no class" label learned

    # --- fit ------------------------------------------------------------------------------

    def fit(self, train: pd.DataFrame | None) -> None:
        if train is None or len(train) == 0:
            raise GeneratorError("a diffusion generator needs labeled seed images to learn from")
        _passive_openmp()
        import torch  # noqa: F401  (loaded before `seeded`, which seeds it only if loaded)

        self.class_names = class_names(train[LABEL_COLUMN])
        self.weights = self._class_weights(train)
        first = frame_pixels(train.iloc[:1])
        native = first.shape[-1]
        self.channels = first.shape[1]  # ddpm training below looks at every image
        self.image_size = self.config.image_size or native
        if self.image_size % 4:
            raise RecipeError(
                f"generator.image_size: the seed's images are {native} pixels wide, which the "
                "UNet cannot halve twice; set image_size to a multiple of 4"
            )
        with seeded(self.random_seed), limited_threads():
            if self.config.model == "pretrained":
                self._load_pretrained()
            else:
                pixels = frame_pixels(train, size=self.image_size)
                self.channels = pixels.shape[1]
                labels = [self.class_names.index(str(v)) for v in train[LABEL_COLUMN]]
                self.pipeline = self._train(pixels, np.asarray(labels))

    def _class_weights(self, train: pd.DataFrame) -> dict[str, float]:
        if self.config.classes is None:
            counts = train[LABEL_COLUMN].astype(str).value_counts()
            return {name: float(counts[name]) for name in self.class_names}
        self.config.check_labels(self.class_names)
        return {name: float(w) for name, w in self.config.classes.items() if w > 0}

    def _train(self, pixels: np.ndarray, labels: np.ndarray) -> Any:
        import torch
        from diffusers import DDPMScheduler, UNet2DModel
        from diffusers.optimization import get_cosine_schedule_with_warmup

        from registry.generators._pipeline import ClassConditionalPipeline

        config = self.config
        unet = UNet2DModel(
            **unet_config(self.image_size, self.channels, config.width, len(self.class_names))
        )
        noise_schedule = DDPMScheduler(num_train_timesteps=TRAIN_TIMESTEPS, clip_sample=False)
        device = self.device
        unet.to(device)
        images = torch.from_numpy(pixels * 2.0 - 1.0).to(device)
        targets = torch.from_numpy(labels.astype(np.int64)).to(device)
        null_class = len(self.class_names)
        batches = -(-len(images) // config.batch_size)
        optimizer = torch.optim.AdamW(unet.parameters(), lr=config.learning_rate)
        schedule = get_cosine_schedule_with_warmup(
            optimizer,
            num_warmup_steps=int(WARMUP_SHARE * config.epochs * batches),
            num_training_steps=config.epochs * batches,
        )
        draw = torch.Generator().manual_seed(self.random_seed)
        dropout = LABEL_DROPOUT if config.guidance_scale != 1.0 else 0.0
        average = [p.detach().clone() for p in unet.parameters()]
        updates = 0
        unet.train()
        for epoch in range(config.epochs):
            order = torch.randperm(len(images), generator=draw)
            total = 0.0
            for start in range(0, len(images), config.batch_size):
                # Every draw comes from the CPU generator and moves to the device, so a seed
                # means the same batches, labels and noise wherever the network trains.
                index = order[start : start + config.batch_size].to(device)
                clean, label = images[index], targets[index].clone()
                drop = (torch.rand(len(index), generator=draw) < dropout).to(device)
                label[drop] = null_class
                noise = torch.randn(clean.shape, generator=draw).to(device)
                steps = torch.randint(0, TRAIN_TIMESTEPS, (len(index),), generator=draw).to(device)
                predicted = unet(noise_schedule.add_noise(clean, noise, steps), steps, label).sample
                loss = torch.nn.functional.mse_loss(predicted, noise)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                updates += 1
                _update_average(average, list(unet.parameters()), updates)
                total += loss.item() * len(index)
            if not torch.isfinite(torch.tensor(total)):
                raise GeneratorError(
                    f"diffusion training diverged at epoch {epoch + 1} (loss is not finite); "
                    "lower generator.learning_rate"
                )
            if (epoch + 1) % max(1, config.epochs // 10) == 0:
                self.context.progress(
                    f"epoch {epoch + 1}/{config.epochs}: loss {total / len(images):.4f}"
                )
        with torch.no_grad():
            for weight, averaged in zip(unet.parameters(), average, strict=True):
                weight.copy_(averaged)
        unet.eval()
        pipeline = ClassConditionalPipeline(
            unet=unet, scheduler=self._sampling_scheduler(noise_schedule)
        )
        pipeline.set_progress_bar_config(disable=True)  # materialize reports progress itself
        return pipeline

    def _sampling_scheduler(self, training: Any) -> Any:
        from diffusers import DDIMScheduler, DDPMScheduler

        kind = DDIMScheduler if self.config.sampler == "ddim" else DDPMScheduler
        return kind.from_config(training.config)

    def _load_pretrained(self) -> None:
        folder = self.context.locate(self.config.path or "")
        if not (folder / "model_index.json").is_file():
            raise RecipeError(
                f"generator.path: {self.config.path!r} is not a diffusers pipeline folder "
                "(no model_index.json); expected a folder written by save_pretrained"
            )
        _quiet_diffusers()
        info_path = folder / MODEL_INFO
        try:
            if info_path.is_file():
                self._load_phantom_pipeline(folder, json.loads(info_path.read_text()))
            else:
                from diffusers import DiffusionPipeline

                self.pipeline = DiffusionPipeline.from_pretrained(folder).to(self.device)
                self.pipeline.set_progress_bar_config(disable=True)
                self._text_to_image = True
                self.saves_pipeline = False
        except PhantomError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise GeneratorError(
                f"generator.path: could not load the pipeline in {self.config.path!r}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc

    def _load_phantom_pipeline(self, folder: Path, info: dict[str, Any]) -> None:
        """A pipeline an earlier version saved: sample by label with its class names."""
        from registry.generators._pipeline import ClassConditionalPipeline

        self.pipeline = ClassConditionalPipeline.from_pretrained(folder).to(self.device)
        self.pipeline.set_progress_bar_config(disable=True)
        saved = list(info["class_names"])
        unknown = [name for name in self.class_names if name not in saved]
        if unknown:
            raise RecipeError(
                f"generator.path: the saved model knows the labels {', '.join(saved)}; the "
                f"seed has {unknown[0]!r}"
            )
        self._guidance_trained = bool(info.get("guidance_trained", True))
        if not self._guidance_trained and self.config.guidance_scale != 1.0:
            raise RecipeError(
                "generator.guidance_scale: the saved model was trained without guidance (its "
                "'no class' label never learned); set guidance_scale: 1.0"
            )
        self.class_names = saved
        self.image_size = int(self.pipeline.unet.config.sample_size)
        self.channels = int(self.pipeline.unet.config.in_channels)
        if (
            self.config.sampler == "ddim"
            and type(self.pipeline.scheduler).__name__ != "DDIMScheduler"
        ):
            self.pipeline.scheduler = self._sampling_scheduler(self.pipeline.scheduler)

    # --- sample ----------------------------------------------------------------------------

    def sample_batch(self, index: int, rows: int) -> pd.DataFrame:
        """Batch ``index``: ``rows`` labeled images, labels in the class weights' proportions.

        A pure function of the fitted pipeline, ``random_seed``, ``index`` and ``rows``: the
        labels are planned and the noise drawn from a seed of ``(random_seed, index)``.
        """
        if self.pipeline is None:
            raise GeneratorError("sample_batch() called before fit()")
        _passive_openmp()
        seed = batch_seed(self.random_seed, index)
        labels = planned_labels(self.weights, rows, random_seed=seed)
        if not labels:
            return image_frame([], [])
        with seeded(seed), limited_threads():
            import torch

            pixels = self._denoise(labels, torch.Generator().manual_seed(seed))
        return image_frame(pixels_to_png(pixels), labels)

    def _denoise(self, labels: list[str], draw: Any) -> np.ndarray:
        """``(N, C, H, W)`` images in [0, 1] for ``labels``."""
        config = self.config
        if self._text_to_image:
            prompts = [self._prompt(label) for label in labels]
            output = self.pipeline(
                prompt=prompts,
                num_inference_steps=config.steps,
                guidance_scale=config.guidance_scale,
                generator=draw,
                height=self.image_size,
                width=self.image_size,
                output_type="np",
            )
            return _conform(np.asarray(output.images), self.image_size, self.channels)
        index = [self.class_names.index(label) for label in labels]
        output = self.pipeline(
            index,
            guidance_scale=config.guidance_scale,
            num_inference_steps=config.steps,
            generator=draw,
        )
        return np.asarray(output.images).transpose(0, 3, 1, 2)

    def _prompt(self, label: str) -> str:
        # Plain substitution, never str.format: a recipe's text is data, not code.
        template = self.config.prompts.get(label) or self.config.prompt or DEFAULT_PROMPT
        return template.replace("{label}", label)

    # --- provenance ------------------------------------------------------------------------

    def save(self, folder: Path) -> bool:
        """Save the pipeline (``save_pretrained``) and its labels in ``folder / model``;
        False for external weights (a user's text-to-image pipeline stays theirs)."""
        if self.pipeline is None or not self.saves_pipeline:
            return False
        target = folder / MODEL_FOLDER
        self.pipeline.save_pretrained(target, safe_serialization=True)
        info = {
            "class_names": self.class_names,
            "image_size": self.image_size,
            "channels": self.channels,
            "pipeline": "registry.generators._pipeline.ClassConditionalPipeline",
            "load_with": "ClassConditionalPipeline.from_pretrained(folder)",
        }
        if not self._guidance_trained:  # only then: older saved models lack the key
            info["guidance_trained"] = False
        (target / MODEL_INFO).write_text(json.dumps(info, indent=2) + "\n")
        return True

    @classmethod
    def load(
        cls,
        folder: Path,
        config: DiffusionConfig,
        *,
        random_seed: int,
        context: BuildContext | None = None,
    ) -> DiffusionGenerator:
        """A generator sampling from a pipeline a build saved in ``folder`` (no training);
        the classes are weighed by ``config.classes``, else equally."""
        generator = cls(config, random_seed=random_seed, context=context)
        info_path = folder / MODEL_INFO
        if not info_path.is_file():
            raise GeneratorError(f"{folder} holds no pipeline Phantom saved (no {MODEL_INFO})")
        _passive_openmp()
        import torch  # noqa: F401  (loaded before `seeded`)

        with limited_threads():
            generator._load_phantom_pipeline(folder, json.loads(info_path.read_text()))
        weights = config.classes or dict.fromkeys(generator.class_names, 1.0)
        generator.weights = {name: float(w) for name, w in weights.items() if w > 0}
        return generator

    def library_versions(self) -> dict[str, str]:
        versions = {name: _version(name) for name in ("torch", "diffusers")}
        versions["torch_threads"] = str(torch_thread_count())
        if self.device != "cpu":  # GPU kernels decide the low bits: record where it ran
            versions["device"] = self.device
        return versions


def unet_config(image_size: int, channels: int, width: int, classes: int) -> dict[str, Any]:
    """The UNet2DModel arguments: three levels, attention at the lowest, one label embedding
    per class plus the "no class" one."""
    groups = next(g for g in (32, 16, 8, 4, 2, 1) if width % g == 0)
    return {
        "sample_size": image_size,
        "in_channels": channels,
        "out_channels": channels,
        "layers_per_block": 1,
        "block_out_channels": (width, 2 * width, 2 * width),
        "down_block_types": ("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
        "up_block_types": ("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        "norm_num_groups": groups,
        "attention_head_dim": min(8, width),
        "num_class_embeds": classes + 1,
    }


def _update_average(average: list[Any], weights: list[Any], updates: int) -> None:
    """One step of the exponential moving average of the weights, which sampling uses.

    The decay warms up as ``(1 + n) / (10 + n)`` towards :data:`EMA_DECAY`, so short runs
    are not dominated by the random initial weights.
    """
    import torch

    decay = min(EMA_DECAY, (1 + updates) / (10 + updates))
    with torch.no_grad():
        torch._foreach_mul_(average, decay)
        torch._foreach_add_(average, [w.detach() for w in weights], alpha=1.0 - decay)


def planned_labels(weights: dict[str, float], rows: int, *, random_seed: int) -> list[str]:
    """Exactly ``rows`` labels in the weights' proportions (largest remainder), shuffled."""
    total = sum(weights.values())
    exact = {name: rows * w / total for name, w in weights.items()}
    counts = {name: int(value) for name, value in exact.items()}
    leftover = rows - sum(counts.values())
    for name in sorted(exact, key=lambda n: (counts[n] - exact[n], n))[:leftover]:
        counts[name] += 1
    labels = [name for name, count in counts.items() for _ in range(count)]
    order = np.random.default_rng(random_seed).permutation(len(labels))
    return [labels[i] for i in order]


def _conform(images: np.ndarray, size: int, channels: int) -> np.ndarray:
    """Pipeline output ``(N, H, W, C)`` in [0, 1] -> ``(N, channels, size, size)``."""
    return np.stack(
        [
            conform(
                image[..., 0] if image.shape[-1] == 1 else image, size=size, grayscale=channels == 1
            )
            for image in to_uint8(images)
        ]
    )


def _quiet_diffusers() -> None:
    """Loading bars and advice about optional packages are noise in a build log."""
    from diffusers.utils import logging as diffusers_logging

    diffusers_logging.disable_progress_bar()
    diffusers_logging.set_verbosity_error()


def _passive_openmp() -> None:
    """Idle OpenMP threads sleep instead of spinning (they slowed a busy 2-core box 10x).

    Read by the OpenMP runtime when torch loads, so it only helps if torch is not loaded yet.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
