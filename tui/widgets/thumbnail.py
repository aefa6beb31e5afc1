"""Images as terminal text: two pixel rows per character cell, drawn with the upper half block.

Every terminal Textual runs in can show colours this way, so a data row of an image dataset
shows its picture in place, small. Where colour is off (``NO_COLOR``, a monochrome console)
the caller shows the path of the sample grid PNG instead.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text

MAX_WIDTH = 16  # cells; images wider than this are scaled down (height follows)
UPPER_HALF = "▀"


def thumbnail(value: Any, *, max_width: int = MAX_WIDTH) -> Text:
    """A picture of one image cell (PNG bytes or an HF ``{"bytes", "path"}`` dict)."""
    from PIL import Image

    from registry.images import decode_image

    try:
        image = Image.fromarray(decode_image(value)).convert("RGB")
    except ValueError:  # not image bytes at all (a NULL cell)
        return Text("(no image)", style="dim italic")
    if image.width > max_width:
        height = max(2, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.BOX)
    if image.height % 2:  # two pixel rows per line: pad the last with black
        padded = Image.new("RGB", (image.width, image.height + 1))
        padded.paste(image)
        image = padded
    pixels = image.load()
    text = Text(no_wrap=True, overflow="crop")
    for top in range(0, image.height, 2):
        for x in range(image.width):
            upper, lower = pixels[x, top], pixels[x, top + 1]
            text.append(UPPER_HALF, Style(color=_hex(upper), bgcolor=_hex(lower)))
        if top + 2 < image.height:
            text.append("\n")
    return text


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])
