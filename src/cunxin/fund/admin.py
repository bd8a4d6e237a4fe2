from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.fund.models import Donation, Fund, Payment, PaymentChange


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("name", "region", "created_at")


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ("fund", "sponsor", "amount", "received_on", "receipt_no", "reversed_at")
    search_fields = ("sponsor", "receipt_no")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("fund", "purpose", "payee", "amount", "document_no", "status")
    list_filter = ("status", "purpose")


@admin.register(PaymentChange)
class PaymentChangeAdmin(ReadOnlyAdmin):
    list_display = ("payment", "from_status", "to_status", "actor", "at")
