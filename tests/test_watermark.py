"""The invisible watermark (invisible-watermark's dwtDct) in generated images, read back by
`phantom verify`: real photos from scikit-learn's sample images stand in for generated ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry import Registry
from registry._hashing import content_hash, sha256_file
from registry.images import decode_image, encode_png, hf_table, image_frame
from registry.modalities import ImageModality
from registry.verification import verify_version_folder
from registry.watermark import MIN_SIDE, read_marks

pytest.importorskip("imwatermark")


def photo_frame(mode: str, count: int = 8, side: int = 256) -> pd.DataFrame:
    """``count`` crops of scikit-learn's two sample photos, as the image frame a generator
    hands on (PNG bytes + label)."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images
    crops = [
        Image.fromarray(photos[k % 2][k * 9 : k * 9 + side, k * 17 : k * 17 + side]).convert(mode)
        for k in range(count)
    ]
    return image_frame(
        [encode_png(np.asarray(crop)) for crop in crops], ["china", "flower"] * (count // 2)
    )


def pixels(frame: pd.DataFrame) -> list[np.ndarray]:
    return [decode_image(value) for value in frame["image"]]


@pytest.mark.parametrize(("mode", "least_share"), [("L", 0.75), ("RGB", 0.6)])
def test_images_written_by_a_build_carry_a_mark_that_reads_back(
    mode: str, least_share: float
) -> None:
    plain = photo_frame(mode)
    marked = ImageModality().watermark(plain)  # what every sampled batch goes through

    before, after = pixels(plain), pixels(marked)
    change = np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(after, before, strict=True)])
    assert change < 1.5  # invisible: about one grey level a pixel on average
    found = read_marks(after)
    assert found.markable == 8 and found.share is not None and found.share >= least_share
    assert read_marks(before).marked == 0  # unmarked photos do not read as marked
    assert ImageModality().watermark(plain)["image"].tolist() == marked["image"].tolist()


def test_images_too_small_for_the_mark_are_written_unchanged() -> None:
    small = photo_frame("L", side=64)
    assert ImageModality().watermark(small) is small
    report = read_marks(pixels(small))
    assert (report.images, report.markable, report.share) == (8, 0, None)
    assert f"none of 8 images is {MIN_SIDE}x{MIN_SIDE} or larger" in report.describe()


def test_verify_reports_the_share_of_images_where_the_mark_reads_back(
    registry_root: Path, tmp_path: Path
) -> None:
    frame = ImageModality().watermark(photo_frame("L"))
    folder = tmp_path / "photos"
    (folder / "data").mkdir(parents=True)
    shard = folder / "data" / "train-00000-of-00001.parquet"
    import pyarrow.parquet as pq

    pq.write_table(hf_table(frame, ["china", "flower"]), shard)
    files = {"data/train-00000-of-00001.parquet": sha256_file(shard)}
    manifest = {"files": files, "content_hash": content_hash(files), "splits": {"train": 8}}
    (folder / "manifest.json").write_text(json.dumps(manifest))

    verified = verify_version_folder(folder, registry_root)
    assert verified.watermark is not None and verified.watermark.share is not None
    assert verified.watermark.share >= 0.75
    assert "invisible watermark (dwtDct) reads back in" in verified.watermark.describe()
    assert not verified.signature.signed


def test_verify_says_plainly_that_8x8_digits_carry_no_mark(released_digits: Path) -> None:
    verified = Registry(released_digits).verify_version("digits@1.0.0")
    assert verified.watermark is not None
    assert verified.watermark.describe() == (
        f"not watermarked: none of 80 images is {MIN_SIDE}x{MIN_SIDE} or larger, "
        "the least the dwtDct mark needs"
    )
