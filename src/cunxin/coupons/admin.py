from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.coupons.models import Conversion, Coupon, CouponUse, Gift


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ("resident", "points", "fen", "created_at")


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("serial", "owner", "face_fen", "remaining_fen", "status", "expires_on")
    list_filter = ("status",)
    search_fields = ("serial",)


@admin.register(CouponUse)
class CouponUseAdmin(ReadOnlyAdmin):
    list_display = ("coupon", "amount_fen", "memo", "created_at")


@admin.register(Gift)
class GiftAdmin(ReadOnlyAdmin):
    list_display = ("coupon", "giver", "receiver", "amount_fen", "status", "created_at")
    list_filter = ("status",)
