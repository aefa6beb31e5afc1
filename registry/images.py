"""Labeled images as table rows: the one codec between pixels, frames and Hugging Face parquet.

An image dataset travels through Phantom as a DataFrame with two columns, ``image`` (PNG
bytes) and ``label`` (the class name as text), so seeds, splits, manifests and the catalog
treat it like any table. Only at the edges does it change shape: generators and scores work
on pixel arrays (:func:`frame_pixels`), and the parquet shards carry the Hugging Face
features ``Image`` and ``ClassLabel`` (:func:`hf_table`) so that ``datasets.load_dataset``
returns PIL images and class names. Nothing here imports torch.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

IMAGE_COLUMN = "image"
LABEL_COLUMN = "label"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of one ``uint8`` image, ``(H, W)`` grayscale or ``(H, W, 3)`` RGB."""
    from PIL import Image

    buffer = io.BytesIO()
    # No optimize pass and no timestamps: the same pixels always give the same bytes.
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def image_bytes(value: Any) -> Any:
    """The encoded bytes of one cell: the cell itself, or an HF ``{"bytes", "path"}`` dict's."""
    return value.get("bytes") if isinstance(value, dict) else value


def decode_image(value: Any) -> np.ndarray:
    """The ``uint8`` pixels of one cell: PNG/JPEG bytes or an HF ``{"bytes", "path"}`` dict."""
    from PIL import Image

    data = image_bytes(value)
    if not isinstance(data, bytes | bytearray):
        raise ValueError(f"expected image bytes, got {type(value).__name__}")
    with Image.open(io.BytesIO(data)) as image:
        mode = "L" if image.mode in {"L", "1", "I", "I;16", "F"} else "RGB"
        return np.asarray(image.convert(mode))


def class_names(labels: Iterable[Any]) -> list[str]:
    """The sorted class names of a label column; numbers sort as numbers ("2" before "10")."""

    def key(name: str) -> tuple[int, float, str]:
        return (0, float(name), name) if re.fullmatch(r"-?\d+(\.\d+)?", name) else (1, 0.0, name)

    return sorted({str(label) for label in labels}, key=key)


def is_image_frame(frame: pd.DataFrame) -> bool:
    return IMAGE_COLUMN in frame.columns and LABEL_COLUMN in frame.columns


def image_frame(images: Sequence[bytes], labels: Sequence[Any]) -> pd.DataFrame:
    """The two-column frame every image seed and generator hands on."""
    return pd.DataFrame(
        {
            IMAGE_COLUMN: pd.Series(list(images), dtype=object),
            LABEL_COLUMN: pd.Series([str(label) for label in labels], dtype=object),
        }
    )


def normalize_image_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """An image+label frame from any reader (HF dicts, class indexes) in the common shape."""
    images = [image_bytes(value) for value in frame[IMAGE_COLUMN]]
    return image_frame(images, frame[LABEL_COLUMN].tolist())


def frame_pixels(frame: pd.DataFrame, *, size: int | None = None) -> np.ndarray:
    """All images as one ``float32`` array ``(N, C, H, W)`` in [0, 1], resized to ``size``.

    Images of one frame share a mode: grayscale stays one channel, anything else becomes RGB.
    Resizing is bilinear (PIL), the same everywhere, so scores and training see one picture.
    """
    decoded = [decode_image(value) for value in frame[IMAGE_COLUMN]]
    if not decoded:
        return np.zeros((0, 1, size or 1, size or 1), dtype=np.float32)
    grayscale = all(pixels.ndim == 2 for pixels in decoded)
    return np.stack([conform(pixels, size=size, grayscale=grayscale) for pixels in decoded])


def conform(pixels: np.ndarray, *, size: int | None, grayscale: bool) -> np.ndarray:
    """One ``uint8`` image (``(H, W)`` or ``(H, W, C)``) as ``float32`` ``(C, H, W)`` in [0, 1]:
    grey (one channel) or RGB, resized bilinearly (PIL) to ``size`` x ``size`` if given."""
    from PIL import Image

    image = Image.fromarray(pixels).convert("L" if grayscale else "RGB")
    if size is not None and image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.float32) / 255.0
    return array[None] if grayscale else array.transpose(2, 0, 1)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] as ``uint8`` 0-255, rounded to nearest (the one quantization)."""
    return np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8)


def pixels_to_png(batch: np.ndarray) -> list[bytes]:
    """PNG bytes of each image of a ``(N, C, H, W)`` array in [0, 1]."""
    as_bytes = to_uint8(batch)
    return [
        encode_png(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0))
        for image in as_bytes
    ]


# --- Hugging Face features --------------------------------------------------------------------


def hf_features(names: Sequence[str]) -> dict[str, Any]:
    """The ``datasets`` Features (as their JSON) of an image dataset."""
    return {
        IMAGE_COLUMN: {"_type": "Image"},
        LABEL_COLUMN: {"_type": "ClassLabel", "names": list(names)},
    }


def card_features(names: Sequence[str]) -> list[dict[str, Any]]:
    """``dataset_info.features`` of the card's front matter, as the Hub writes them."""
    return [
        {"name": IMAGE_COLUMN, "dtype": "image"},
        {
            "name": LABEL_COLUMN,
            "dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(names)}}},
        },
    ]


def hf_table(frame: pd.DataFrame, names: Sequence[str]) -> Any:
    """A pyarrow table in the layout ``datasets`` writes for Image and ClassLabel columns.

    ``image`` is a ``struct<bytes: binary, path: string>`` and ``label`` the class index
    (int64); the schema metadata carries the features so ``load_dataset`` decodes them.
    """
    import pyarrow as pa

    index = {name: i for i, name in enumerate(names)}
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    images = pa.array(
        [{"bytes": value, "path": None} for value in frame[IMAGE_COLUMN]], type=image_type
    )
    labels = pa.array([index[str(label)] for label in frame[LABEL_COLUMN]], type=pa.int64())
    metadata = {"huggingface": json.dumps({"info": {"features": hf_features(names)}})}
    schema = pa.schema(
        [pa.field(IMAGE_COLUMN, image_type), pa.field(LABEL_COLUMN, pa.int64())],
        metadata={k.encode(): v.encode() for k, v in metadata.items()},
    )
    return pa.Table.from_arrays([images, labels], schema=schema)


def class_names_of_schema(schema: Any) -> list[str] | None:
    """The ClassLabel names a parquet schema's Hugging Face metadata declares, if any."""
    raw = (schema.metadata or {}).get(b"huggingface")
    if not raw:
        return None
    features = json.loads(raw).get("info", {}).get("features", {})
    label = features.get(LABEL_COLUMN, {})
    return list(label["names"]) if label.get("_type") == "ClassLabel" else None


# --- pictures for people ------------------------------------------------------------------------


def save_grid(
    pixels: np.ndarray, labels: Sequence[str], path: Path, *, per_class: int = 8, scale: int = 4
) -> Path:
    """A PNG grid: one row per class (name on the left), ``per_class`` images each.

    ``pixels`` is ``(N, C, H, W)`` in [0, 1]. Deterministic: the first images of each class in
    order. Upscaled ``scale`` times with nearest-neighbour so 8x8 digits stay legible.
    """
    from PIL import Image, ImageDraw

    names = class_names(labels)
    _, channels, height, width = pixels.shape
    cell_h, cell_w = height * scale, width * scale
    margin = 4
    label_w = 8 * max(len(n) for n in names) + 2 * margin if names else 0
    grid = Image.new(
        "RGB",
        (label_w + per_class * (cell_w + margin) + margin, len(names) * (cell_h + margin) + margin),
        "white",
    )
    draw = ImageDraw.Draw(grid)
    labels = [str(label) for label in labels]
    for row, name in enumerate(names):
        top = margin + row * (cell_h + margin)
        draw.text((margin, top + cell_h // 2 - 5), name, fill="black")
        members = [i for i, label in enumerate(labels) if label == name][:per_class]
        for column, index in enumerate(members):
            image = to_uint8(pixels[index])
            mode_image = (
                Image.fromarray(image[0], "L")
                if channels == 1
                else Image.fromarray(image.transpose(1, 2, 0), "RGB")
            )
            cell = mode_image.resize((cell_w, cell_h), Image.Resampling.NEAREST).convert("RGB")
            grid.paste(cell, (label_w + margin + column * (cell_w + margin), top))
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path, format="PNG")
    return path
