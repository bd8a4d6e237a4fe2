"""Models of the cards app: the 诚信卡 (a bank card + PIN) and the used pay-code nonces.

A card number is never stored: only its last four digits and a keyed hash (HMAC-SHA256 with a
key derived from SECRET_KEY), so a copy of the database reveals no card number. The PIN is kept
as a password hash. A pay code is a signed token and lives only on the villager's screen; once a
payment completes its nonce is stored here, and the unique constraint refuses it a second time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet

# Wrong PINs in a row that lock a card until the committee unlocks it.
MAX_PIN_TRIES = 5


class CardStatus(models.TextChoices):
    """A card is in use until the committee cancels it (lost, replaced)."""

    ACTIVE = "active", _("使用中")
    CANCELLED = "cancelled", _("已注销")


class Card(models.Model):
    """A villager's 诚信卡: one active card per villager, one villager per card number."""

    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("村民"), on_delete=models.PROTECT, related_name="cards"
    )
    number_hash = models.CharField(max_length=64, editable=False)
    last4 = models.CharField(_("卡号后四位"), max_length=4, editable=False)
    pin_hash = models.CharField(max_length=128, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    failed_pins = models.PositiveSmallIntegerField(_("连续密码错误次数"), default=0)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    bound_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("绑定人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "resident__village__code"
    scope_resident_field = "resident_id"
    audit_exclude = ("number_hash", "pin_hash")

    class Meta:
        verbose_name = _("诚信卡")
        verbose_name_plural = _("诚信卡")
        ordering = ["resident__village__code", "-bound_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status="active"),
                name="card_one_active_per_resident",
            ),
            models.UniqueConstraint(
                fields=["number_hash"],
                condition=Q(status="active"),
                name="card_number_active_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "cancelled"]), name="card_status_known"
            ),
            models.CheckConstraint(
                condition=Q(failed_pins__gte=0) & Q(failed_pins__lte=MAX_PIN_TRIES),
                name="card_failed_pins_range",
            ),
        ]

    def __str__(self) -> str:
        return f"**** {self.last4}"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class UsedCode(models.Model):
    """A pay code spent by a completed payment; its nonce can never pay again."""

    nonce = models.CharField(max_length=40, unique=True)
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已使用的付款码")
        verbose_name_plural = _("已使用的付款码")

    def __str__(self) -> str:
        return self.nonce
