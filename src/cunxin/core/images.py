"""Uploaded photos, decoded to know what they really are: type, pixel size, a thumbnail.

Checking the first bytes of a file says only what it claims to be. A photo is accepted when
Pillow decodes it as one of the types phones produce (JPEG, PNG, WebP, HEIC) and its pixel
count is that of a photo, not of a decompression bomb (a 20000×20000 PNG of a few kilobytes
unpacks to 1.6 GB). The header is read first, so a bomb is refused before it is unpacked;
decoding the thumbnail then proves the rest of the file is an image too.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cunxin.core.errors import DomainError

# HEIC is what iPhones take; Pillow reads it through pillow-heif.
pillow_heif.register_heif_opener()

# Pillow's format name → (content type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIF": ("image/heic", "heic"),
}
# A 48-megapixel phone photo is 8064×6048 (about 49 million pixels); anything larger than a
# photo is refused before it is decoded.
MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = (480, 480)


@dataclass(frozen=True)
class DecodedImage:
    """What a decoded upload is, and its thumbnail as JPEG."""

    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes


def decode_image(content: bytes, name: str, *, field: str) -> DecodedImage:
    """The image's real type and size with a thumbnail; a refusal naming the file otherwise."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; here any bomb is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(FORMATS)) as image:
                kind = FORMATS.get(image.format or "")
                width, height = image.size
                if kind is None:
                    raise _not_a_photo(name, field)
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels(name, field, width, height)
                thumbnail = _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, field, 0, 0) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        # Not an image at all, a truncated one, or a header that lies about its data.
        raise _not_a_photo(name, field) from None
    return DecodedImage(kind[0], kind[1], width, height, thumbnail)


def _thumbnail(image: Image.Image) -> bytes:
    # A JPEG is decoded at a reduced scale (draft), so a large photo costs little to shrink.
    image.draft("RGB", THUMBNAIL_SIZE)
    small = ImageOps.exif_transpose(image) or image
    small.thumbnail(THUMBNAIL_SIZE)
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def _not_a_photo(name: str, field: str) -> DomainError:
    return DomainError(
        "photo_type",
        _("“%s”不是照片或已损坏（只接受 JPG、PNG、WEBP、HEIC）。") % name,
        field=field,
    )


def _too_many_pixels(name: str, field: str, width: int, height: int) -> DomainError:
    # Pillow refuses a size far past its own limit before telling it; then it is not shown.
    size = f"{width}×{height}，" if width else ""
    return DomainError(
        "photo_pixels",
        _("照片“%(name)s”尺寸过大（%(size)s最多约%(mp)d百万像素），请缩小后再传。")
        % {"name": name, "size": size, "mp": MAX_PIXELS // 1_000_000},
        field=field,
    )


def sample_image(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, int, int] = (40, 120, 60),
) -> bytes:
    """A small real image, for the demo and for tests (a photo must now decode)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()
