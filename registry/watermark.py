"""An invisible watermark in every generated image large enough to carry one.

Library: ``invisible-watermark`` (module ``imwatermark``), method ``dwtDct``, the mark Stable
Diffusion's reference scripts put in their outputs: the payload's bits are written into the
largest DCT coefficient of 4x4 blocks of the Haar wavelet's approximation band. Colour
images are marked exactly as Stable Diffusion marks them (``WatermarkEncoder.encode``, the U
chroma channel). Greyscale images are marked in the luma channel (chroma does not survive a
greyscale PNG) with the library's own embedder, and put back with the correct inverse
wavelet transform (see :func:`_embed`). Reading back is the library's ``WatermarkDecoder``.

Limits, measured here and stated plainly:

- The library refuses images under 256x256 pixels (``r * c < 256 * 256``), and below that
  the mark does not read back reliably; smaller images (the 8x8 scikit-learn digits) are
  written unmarked, and ``phantom verify`` says so.
- ``dwtDct`` is fragile. Measured on 256x256 crops of scikit-learn's sample photos (16
  each): greyscale, 87% of images read back at least :data:`MIN_BIT_ACCURACY` of the 32
  bits (mean pixel change 0.36 levels); colour, about 80% (as the library marks them);
  unmarked crops, none (their bits match 35-65%, chance). Upscaled digits at 256x256: all.
  So an image counts as marked when at least that share of its bits match, and ``verify``
  reports the share of images where it does. Re-encoding, resizing or cropping removes it:
  it labels images as generated, it proves nothing against someone who wants it gone.

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

    if pixels.ndim == 2:  # grey: luma is the pixel value itself
        return _rounded(_embed(pixels.astype(np.float32), _GREY_SCALES[0]))
    from imwatermark import WatermarkEncoder

    encoder = WatermarkEncoder()  # colour: exactly as Stable Diffusion's scripts call it
    encoder.set_watermark("bytes", PAYLOAD)
    marked = encoder.encode(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), METHOD)
    return cv2.cvtColor(marked, cv2.COLOR_BGR2RGB)


def _embed(channel: np.ndarray, scale: int) -> np.ndarray:
    """The dwtDct mark in one channel: the library's own embedder (``EmbedMaxDct``) on the
    Haar approximation band, put back with the inverse transform. (The library's
    ``encode`` swaps the horizontal and vertical detail bands when it puts the channel
    back, which changed photo-like greyscale images by ~8 levels a pixel; the mark itself
    changes them by about 1.)"""
    import pywt
    from imwatermark.maxDct import EmbedMaxDct

    bits = list(np.unpackbits(np.frombuffer(PAYLOAD, dtype=np.uint8)))
    rows, cols = (channel.shape[0] // 4) * 4, (channel.shape[1] // 4) * 4
    approximation, details = pywt.dwt2(channel[:rows, :cols], "haar")
    EmbedMaxDct(bits, wmLen=len(bits)).encode_frame(approximation, scale)
    out = channel.copy()
    out[:rows, :cols] = pywt.idwt2((approximation, details), "haar")
    return out


def _rounded(pixels: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


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
