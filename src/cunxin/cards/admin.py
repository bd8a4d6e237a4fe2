from django.contrib import admin

from cunxin.cards.models import Card, UsedCode
from cunxin.core.admin import ReadOnlyAdmin


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    # The hashes stay out of sight: the last four digits are all anyone needs to see.
    list_display = ("resident", "last4", "status", "failed_pins", "locked_at", "bound_at")
    list_filter = ("status",)
    exclude = ("number_hash", "pin_hash")


@admin.register(UsedCode)
class UsedCodeAdmin(ReadOnlyAdmin):
    list_display = ("nonce", "resident", "issued_at", "used_at")
