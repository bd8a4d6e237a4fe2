"""Evidence photos: checked by their content (not their name), stored as files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 6
# Magic numbers of the image types phones produce.
_SIGNATURES: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"WEBP", 8, "image/webp", "webp"),
    (b"ftypheic", 4, "image/heic", "heic"),
    (b"ftypheix", 4, "image/heic", "heic"),
    (b"ftypmif1", 4, "image/heic", "heic"),
]


@dataclass(frozen=True)
class Photo:
    """A checked photo ready to store."""

    content: bytes
    content_type: str
    extension: str
    sha256: str

    def as_file(self) -> ContentFile[bytes]:
        return ContentFile(self.content, name=f"{self.sha256[:20]}.{self.extension}")


def check_photo(content: bytes, name: str = "") -> Photo:
    """A photo, or a clear refusal (too big, empty, or not an image)."""
    if not content:
        raise DomainError("photo_empty", _("照片“%s”是空文件。") % name, field="photos")
    if len(content) > MAX_BYTES:
        raise DomainError(
            "photo_too_large",
            _("照片“%(name)s”超过%(mb)dMB，请压缩后再传。")
            % {"name": name, "mb": MAX_BYTES // 1024 // 1024},
            field="photos",
        )
    for magic, offset, content_type, extension in _SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            return Photo(content, content_type, extension, hashlib.sha256(content).hexdigest())
    raise DomainError(
        "photo_type", _("“%s”不是照片（只接受 JPG、PNG、WEBP、HEIC）。") % name, field="photos"
    )


def check_photos(files: list[tuple[str, bytes]]) -> list[Photo]:
    if len(files) > MAX_FILES:
        raise DomainError(
            "photos_too_many", _("每条记录最多%d张照片。") % MAX_FILES, field="photos"
        )
    return [check_photo(content, name) for name, content in files]
