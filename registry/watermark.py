"""An invisible watermark in every generated image large enough to carry one.

Library: ``invisible-watermark`` (module ``imwatermark``), method ``dwtDct``, the mark Stable
Diffusion's reference scripts put in their outputs: the payload's bits are written into the
largest DCT coefficient of 4x4 blocks of the Haar wavelet's approximation band. Colour
images are marked as Stable Diffusion marks them (the U chroma channel); greyscale images in
the luma channel (chroma does not survive a greyscale PNG).

Limits, measured here and stated plainly:

- The library refuses images under 256x256 pixels (``r * c < 256 * 256``), and below that
  the mark does not read back reliably; smaller images (the 8x8 scikit-learn digits) are
  written unmarked, and ``phantom verify`` says so.
- ``dwtDct`` is fragile: on 256x256 photo crops about 85% of the payload's bits read back
  (about 99% at 384x384), against ~55-65% for unmarked images, so an image counts as marked
  when at least :data:`MIN_BIT_ACCURACY` of its bits match, and ``verify`` reports the
  share of images where it does. Re-encoding, resizing or cropping removes it: it labels
  images as generated, it does not prove anything against someone who wants it gone.

Marking is a pure function of the pixels (same input, same bytes), so builds stay
reproducible; cv2 and imwatermark load only when an image is large enough to mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

PAYLOAD = b"PHNT"  # 32 bits: "Phantom generated this"
METHOD = "dwtDct"
MIN_SIDE = 256  # the library's own minimum (it checks rows * cols >= 256 * 256)
MIN_BIT_ACCURACY = 0.75
_GREY_SCALES = [36, 0, 0]  # luma only (the library's default, [0, 36, 36], is chroma)


def can_mark(pixels: np.ndarray) -> bool:
    """Whether an image (``(H, W)`` or ``(H, W, 3)``) is large enough to carry the mark."""
    return min(pixels.shape[:2]) >= MIN_SIDE


def mark(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` with the invisible mark (unchanged when too small to carry it)."""
    if not can_mark(pixels):
        return pixels
    import cv2
    from imwatermark import WatermarkEncoder

    encoder = WatermarkEncoder()
    encoder.set_watermark("bytes", PAYLOAD)
    if pixels.ndim == 2:
        bgr = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
        marked = encoder.encode(bgr, METHOD, scales=_GREY_SCALES)
        return cv2.cvtColor(marked, cv2.COLOR_BGR2GRAY)
    marked = encoder.encode(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), METHOD)
    return cv2.cvtColor(marked, cv2.COLOR_BGR2RGB)


def bit_accuracy(pixels: np.ndarray) -> float | None:
    """The share of the payload's bits that read back (None: too small to carry the mark)."""
    if not can_mark(pixels):
        return None
    import cv2
    from imwatermark import WatermarkDecoder

    decoder = WatermarkDecoder("bits", len(PAYLOAD) * 8)
    if pixels.ndim == 2:
        bits = decoder.decode(cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR), METHOD, scales=_GREY_SCALES)
    else:
        bits = decoder.decode(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), METHOD)
    expected = np.unpackbits(np.frombuffer(PAYLOAD, dtype=np.uint8))
    return float(np.mean(np.asarray(bits, dtype=np.uint8) == expected))


@dataclass(frozen=True)
class WatermarkReport:
    """What reading the mark back from a version's images found."""

    images: int  # images looked at
    markable: int  # of those, large enough to carry the mark
    marked: int  # of those, where the mark read back

    @property
    def share(self) -> float | None:
        return self.marked / self.markable if self.markable else None

    def describe(self) -> str:
        if not self.images:
            return "no images"
        if not self.markable:
            return (
                f"not watermarked: none of {self.images:,} images is {MIN_SIDE}x{MIN_SIDE} or "
                f"larger, the least the {METHOD} mark needs"
            )
        return (
            f"invisible watermark ({METHOD}) reads back in {self.marked:,} of "
            f"{self.markable:,} images ({self.share:.0%})"
        )


def read_marks(images: Iterable[np.ndarray]) -> WatermarkReport:
    """Count the images where the mark reads back (at least ``MIN_BIT_ACCURACY`` of bits)."""
    total = markable = marked = 0
    for pixels in images:
        total += 1
        accuracy = bit_accuracy(pixels)
        if accuracy is None:
            continue
        markable += 1
        marked += accuracy >= MIN_BIT_ACCURACY
    return WatermarkReport(total, markable, marked)


__all__ = [
    "MIN_BIT_ACCURACY",
    "MIN_SIDE",
    "PAYLOAD",
    "WatermarkReport",
    "bit_accuracy",
    "can_mark",
    "mark",
    "read_marks",
]
