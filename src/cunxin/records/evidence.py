"""Evidence photos: decoded to check what they are (``core.images``), stored with a thumbnail.

An upload is refused by its declared size before it is read, by its content (not its name)
once read, and by its pixel count before it is decoded. The pages, the API and the actions of
records, the blacklist and the shop all come through ``check_photo``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cunxin.core.cleaning import read_upload
from cunxin.core.errors import DomainError
from cunxin.core.images import decode_image

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 6

PhotoSource = bytes | IO[bytes]


@dataclass(frozen=True)
class Photo:
    """A checked photo ready to store, with its thumbnail (JPEG)."""

    content: bytes
    content_type: str
    extension: str
    sha256: str
    width: int = 0
    height: int = 0
    thumbnail: bytes = b""

    def as_file(self) -> ContentFile[bytes]:
        return ContentFile(self.content, name=f"{self.sha256[:20]}.{self.extension}")

    def thumbnail_file(self) -> ContentFile[bytes]:
        return ContentFile(self.thumbnail, name=f"{self.sha256[:20]}-thumb.jpg")


def check_photo(
    source: PhotoSource, name: str = "", *, max_bytes: int = MAX_BYTES, field: str = "photos"
) -> Photo:
    """A photo, or a clear refusal: too big, empty, not an image, or too many pixels."""
    try:
        content = read_upload(source, max_bytes=max_bytes, field=field)
    except DomainError:
        raise DomainError(
            "photo_too_large",
            _("照片“%(name)s”超过%(mb)dMB，请压缩后再传。")
            % {"name": name, "mb": max_bytes // 1024 // 1024},
            field=field,
        ) from None
    if not content:
        raise DomainError("photo_empty", _("照片“%s”是空文件。") % name, field=field)
    image = decode_image(content, name, field=field)
    return Photo(
        content,
        image.content_type,
        image.extension,
        hashlib.sha256(content).hexdigest(),
        image.width,
        image.height,
        image.thumbnail,
    )


def check_photos(files: Sequence[tuple[str, PhotoSource] | Photo]) -> list[Photo]:
    """Every photo of one record checked, the count first (so none is read when too many).
    Photos already checked (a team entry stores the same ones for each villager) stay as
    they are."""
    if len(files) > MAX_FILES:
        raise DomainError(
            "photos_too_many", _("每条记录最多%d张照片。") % MAX_FILES, field="photos"
        )
    return [f if isinstance(f, Photo) else check_photo(f[1], f[0]) for f in files]


def uploads(files: Sequence[UploadedFile]) -> list[tuple[str, PhotoSource]]:
    """Uploaded files as (name, file) for the actions, which check and read them."""
    return [(f.name or "photo", f) for f in files]
