"""Scores of a labeled image set against the real images it learned from.

- Label fidelity: a classifier trained on the real train images labels the synthetic ones;
  the share that agrees with the label each image was generated for.
- Utility: train-synthetic-test-real (TSTR) against train-real-test-real (TRTR) accuracy on
  the real holdout, with the same classifier recipe on both sides.
- Frechet distance in the feature space of a named encoder: the penultimate layer of the
  real-trained classifier (:data:`ENCODER`). Shown beside the real-vs-real baseline (holdout
  vs train), computed on the same number of images, because the distance is biased by n.
- Memorization: each synthetic image's distance to its nearest training image (RMS over
  pixels in [0, 1]); near-copies (closer than :data:`COPY_DISTANCE`) are flagged and counted
  against the natural rate (holdout images that near-copy a training image); DCR share is
  the share of synthetic images closer to train than to the holdout (ties half, train cut to
  the holdout's size), ~0.5 being ideal, exactly as for tables.

Everything is seeded and runs with the generators' thread rule. torch is imported inside.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.images import LABEL_COLUMN, class_names, frame_pixels

CLASSIFIER_EPOCHS = 30
CLASSIFIER_BATCH = 128
EMBEDDING = 64
ENCODER = (
    f"phantom-cnn-{EMBEDDING}: 3 conv layers + global average pooling ({EMBEDDING}-d), "
    f"trained {CLASSIFIER_EPOCHS} epochs on the seed's train images"
)
COPY_DISTANCE = 0.01  # RMS pixel distance (0-1 scale) below which an image is a near-copy
FLAGGED = 20  # synthetic row numbers listed per flagged near-copy, at most


class ImageFidelity(BaseModel):
    model_config = ConfigDict(frozen=True)

    label_fidelity: float
    label_fidelity_by_class: dict[str, float]
    frechet_distance: float
    frechet_baseline: float
    frechet_images: int
    encoder: str
    image_size: int
    channels: int


class ImageUtility(BaseModel):
    model_config = ConfigDict(frozen=True)

    metric: str = "accuracy"
    tstr: float
    trtr: float
    tstr_ratio: float
    holdout_rows: int


class ImagePrivacy(BaseModel):
    """Field names match the tabular privacy section, so gates and the roll-up read both."""

    model_config = ConfigDict(frozen=True)

    dcr_median: float
    dcr_holdout_median: float
    dcr_share: float | None
    exact_copies: int
    exact_copy_share: float
    natural_copy_share: float | None
    copy_distance: float = COPY_DISTANCE
    flagged_rows: list[int]


class ImageScores(BaseModel):
    model_config = ConfigDict(frozen=True)

    fidelity: ImageFidelity
    utility: ImageUtility | None
    privacy: ImagePrivacy


def score_images(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    random_seed: int = 0,
) -> ImageScores:
    """Every image score of ``synthetic`` (image + label rows) against the real images.

    The real images are resized to the synthetic images' size: the scores judge what the
    generator was asked to make.
    """
    from registry.generators._torch import limited_threads, seeded

    size = int(frame_pixels(synthetic.iloc[:1]).shape[-1])
    names = class_names([*train[LABEL_COLUMN], *synthetic[LABEL_COLUMN]])
    real = frame_pixels(train, size=size)
    fake = frame_pixels(synthetic, size=size)
    held = frame_pixels(holdout, size=size) if len(holdout) else None
    if fake.shape[1] != real.shape[1]:  # one side grayscale, the other RGB
        real, held = _rgb(real), (_rgb(held) if held is not None else None)
        fake = _rgb(fake)
    real_y = _indexes(train[LABEL_COLUMN], names)
    fake_y = _indexes(synthetic[LABEL_COLUMN], names)
    held_y = _indexes(holdout[LABEL_COLUMN], names) if held is not None else None

    with seeded(random_seed), limited_threads():
        on_real = train_classifier(real, real_y, len(names), random_seed=random_seed)
        predicted = on_real.predict(fake)
        agrees = predicted == fake_y
        by_class = {
            names[c]: round(float(agrees[fake_y == c].mean()), 4) for c in np.unique(fake_y)
        }
        utility = None
        if held is not None and held_y is not None:
            on_fake = train_classifier(fake, fake_y, len(names), random_seed=random_seed)
            trtr = float((on_real.predict(held) == held_y).mean())
            tstr = float((on_fake.predict(held) == held_y).mean())
            utility = ImageUtility(
                tstr=round(tstr, 4),
                trtr=round(trtr, 4),
                tstr_ratio=round(tstr / trtr, 4) if trtr > 0 else 0.0,
                holdout_rows=len(held),
            )
        reference = held if held is not None else real
        n = min(len(reference), len(fake))
        pick = np.random.default_rng(random_seed).permutation(len(fake))[:n]
        train_features = on_real.embed(real)
        frechet = frechet_distance(train_features, on_real.embed(fake[pick]))
        baseline = frechet_distance(train_features, on_real.embed(reference))

    fidelity = ImageFidelity(
        label_fidelity=round(float(agrees.mean()), 4),
        label_fidelity_by_class=by_class,
        frechet_distance=round(frechet, 4),
        frechet_baseline=round(baseline, 4),
        frechet_images=n,
        encoder=ENCODER,
        image_size=size,
        channels=int(fake.shape[1]),
    )
    return ImageScores(
        fidelity=fidelity, utility=utility, privacy=memorization(real, held, fake, random_seed)
    )


# --- the classifier and encoder ------------------------------------------------------------


class Classifier:
    """A small CNN whose pooled features are the Frechet encoder (see :data:`ENCODER`)."""

    def __init__(self, network: Any) -> None:
        self.network = network

    def predict(self, pixels: np.ndarray) -> np.ndarray:
        return self._run(pixels, logits=True).argmax(axis=1)

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        return self._run(pixels, logits=False).astype(np.float64)

    def _run(self, pixels: np.ndarray, *, logits: bool) -> np.ndarray:
        import torch

        outputs = []
        with torch.no_grad():
            for start in range(0, len(pixels), 1024):
                batch = torch.from_numpy(np.ascontiguousarray(pixels[start : start + 1024]))
                features = self.network[:-1](batch)
                outputs.append((self.network[-1](features) if logits else features).numpy())
        return np.concatenate(outputs)


def train_classifier(
    pixels: np.ndarray, labels: np.ndarray, classes: int, *, random_seed: int
) -> Classifier:
    """Fit the CNN on ``(N, C, H, W)`` images in [0, 1]; deterministic for a seed."""
    import torch
    from torch import nn

    torch.manual_seed(random_seed)
    channels = pixels.shape[1]
    network = nn.Sequential(
        nn.Conv2d(channels, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, EMBEDDING, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(EMBEDDING, classes),
    )
    images = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
    targets = torch.from_numpy(labels.astype(np.int64))
    optimizer = torch.optim.Adam(network.parameters(), lr=3e-3)
    steps = CLASSIFIER_EPOCHS * -(-len(images) // CLASSIFIER_BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    draw = torch.Generator().manual_seed(random_seed)
    network.train()
    for _ in range(CLASSIFIER_EPOCHS):
        order = torch.randperm(len(images), generator=draw)
        for start in range(0, len(images), CLASSIFIER_BATCH):
            index = order[start : start + CLASSIFIER_BATCH]
            loss = nn.functional.cross_entropy(network(images[index]), targets[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    network.eval()
    return Classifier(network)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) of two feature sets (as in FID).

    The trace of the root is taken from the eigenvalues of S_a^1/2 S_b S_a^1/2, which is
    symmetric: stable where ReLU features leave the covariances singular.
    """
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = float(np.sqrt(np.clip(middle, 0.0, None)).sum())
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)
    return max(0.0, value)


# --- memorization ----------------------------------------------------------------------------


def memorization(
    train: np.ndarray, holdout: np.ndarray | None, synthetic: np.ndarray, random_seed: int
) -> ImagePrivacy:
    """Nearest-training-image distances, near-copies against the natural rate, DCR share."""
    to_train = nearest_distance(synthetic, train)
    copies = np.flatnonzero(to_train < COPY_DISTANCE)
    share = None
    natural = None
    holdout_median = float("nan")
    if holdout is not None and len(holdout):
        holdout_to_train = nearest_distance(holdout, train)
        natural = float((holdout_to_train < COPY_DISTANCE).mean())
        holdout_median = float(np.median(holdout_to_train))
        # Cut train to the holdout's size so both sides have the same chance of being close.
        cut = np.random.default_rng(random_seed).permutation(len(train))[: len(holdout)]
        near_train = nearest_distance(synthetic, train[cut])
        near_holdout = nearest_distance(synthetic, holdout)
        share = float(
            ((near_train < near_holdout).sum() + 0.5 * (near_train == near_holdout).sum())
            / len(synthetic)
        )
    return ImagePrivacy(
        dcr_median=round(float(np.median(to_train)), 4),
        dcr_holdout_median=round(holdout_median, 4),
        dcr_share=None if share is None else round(share, 4),
        exact_copies=len(copies),
        exact_copy_share=round(len(copies) / max(1, len(synthetic)), 4),
        natural_copy_share=None if natural is None else round(natural, 4),
        flagged_rows=[int(i) for i in copies[:FLAGGED]],
    )


def nearest_distance(queries: np.ndarray, references: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """RMS pixel distance from each query image to its nearest reference image (exact)."""
    q = queries.reshape(len(queries), -1).astype(np.float32)
    r = references.reshape(len(references), -1).astype(np.float32)
    r_norms = (r * r).sum(axis=1)
    best = np.empty(len(q), dtype=np.float64)
    for start in range(0, len(q), chunk):
        block = q[start : start + chunk]
        squared = (block * block).sum(axis=1)[:, None] - 2.0 * block @ r.T + r_norms[None, :]
        best[start : start + chunk] = np.maximum(squared.min(axis=1), 0.0)
    return np.sqrt(best / q.shape[1])


def _indexes(labels: pd.Series, names: list[str]) -> np.ndarray:
    position = {name: i for i, name in enumerate(names)}
    return np.asarray([position[str(label)] for label in labels], dtype=np.int64)


def _rgb(pixels: np.ndarray) -> np.ndarray:
    return pixels if pixels.shape[1] == 3 else np.repeat(pixels, 3, axis=1)
