"""``phantom verify``: is this version what its manifest, its signer and its images say?

Three checks on a version folder, in order, each failing with one line that names the file:

1. every file against the manifest's sha256 (and the content hash against the release tag):
   :func:`registry.folders.verify_folder`;
2. the manifest against its signature and the registry's ``allowed_signers``
   (:mod:`registry.signing`); unsigned passes unless ``phantom.yaml`` requires signatures;
3. for image versions, the share of images where the invisible watermark reads back
   (:mod:`registry.watermark`); reported, not enforced, since the mark is fragile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.folders import manifest_files, verify_folder, version_shards
from registry.signing import SignatureCheck, check_signature
from registry.watermark import WatermarkReport, read_marks

WATERMARK_IMAGES = 1_000  # images read back at most per version (the first, in shard order)


@dataclass(frozen=True)
class Verified:
    """A version that passed: its manifest, how many files, who signed, the watermark."""

    folder: Path
    manifest: dict[str, Any]
    signature: SignatureCheck
    watermark: WatermarkReport | None  # None for versions without images

    @property
    def files(self) -> int:
        return len(manifest_files(self.manifest))


def verify_version_folder(
    folder: Path, root: Path, *, expected: str | None = None, required: bool | None = None
) -> Verified:
    """Run the three checks on ``folder`` (signers and policy from the registry at ``root``).

    Raises :class:`IntegrityError` naming the first file that differs, or the manifest when
    it does not match its signature (or is unsigned where signatures are required), and
    :class:`SigningError` when the signer is not trusted.
    """
    manifest = verify_folder(folder, expected=expected)
    signature = check_signature(folder, root, required=required)
    return Verified(folder, manifest, signature, _watermark(folder))


def _watermark(folder: Path) -> WatermarkReport | None:
    import pyarrow.parquet as pq

    from registry.images import IMAGE_COLUMN, class_names_of_schema, decode_image

    shards = [path for paths in version_shards(folder).values() for path in paths]
    if not shards or class_names_of_schema(pq.read_schema(shards[0])) is None:
        return None

    def images() -> Any:
        seen = 0
        for shard in shards:
            for cell in pq.read_table(shard, columns=[IMAGE_COLUMN]).column(0).to_pylist():
                if seen >= WATERMARK_IMAGES:
                    return
                seen += 1
                yield decode_image(cell)

    return read_marks(images())


__all__ = ["WATERMARK_IMAGES", "Verified", "verify_version_folder"]
