"""API of records: the same actions and selectors the pages use, scoped the same way.

Collecting is idempotent by the client's id: sending the same ``client_id`` again answers 200
with the first record instead of 201 with a new one. The routes live in one module per
sub-topic, imported here in the order they are registered on the one router.
"""

from cunxin.records.api import collecting, notices, review, standing  # noqa: F401  (routes)
from cunxin.records.api.base import router

__all__ = ["router"]
