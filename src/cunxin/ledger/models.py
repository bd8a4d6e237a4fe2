"""The points ledger: double-entry, append-only, hash-chained per village.

Invariants (enforced in ``actions.post`` and, where a database can, by constraints and
triggers; ``cunxin check-ledger`` verifies all of them from the entries alone):

1. Every transfer's entries sum to zero in each currency: points are never created or lost,
   only moved (a village's issuance account is where rewards come from and penalties go).
2. Transfers and entries are never updated or deleted (database triggers refuse it); a mistake
   is corrected by a new transfer that ``reverses`` the old one, and a transfer is reversed at
   most once.
3. Each transfer has a unique idempotency key: posting the same key twice is refused by the
   database, and ``post`` returns the first transfer instead.
4. An account's stored balance equals the sum of its entries; it is updated in the same
   transaction as the entries, so reading a balance costs one row whatever the history.
5. Each village's transfers form a chain: ``seq`` counts up from 1 without gaps and each
   ``hash`` is an HMAC, under a key kept outside the database (``chain.py``), of the previous
   hash and the transfer's content: an edited, moved or forged row shows, and someone who can
   only write to the database cannot compute a link.
6. An account that may not go negative (shops, funds) has a check constraint saying so.
7. Every transfer is explained by the business row it comes from, with the same amounts;
   each app registers how (``reconcile.py``), and ``check-ledger`` reconciles them all.
8. Every chain head published outside the ledger tables (notices, fund reports: ``witness.py``)
   is still a link of the chain as it is now, so a rewrite of a whole chain shows.

The ledger knows nothing of why points move: records, volunteering, honours and the shop call
``post`` with a key, a kind and a memo, and register their reconcilers and witnesses with the
ledger from their ``AppConfig.ready``; the ledger imports none of them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunxin.core.scoping import ScopedQuerySet
from cunxin.ledger.chain import current_key_id


class Currency(models.TextChoices):
    """Separate books that never mix: an entry moves one currency.

    Coupons and money are counted in fen (0.01 yuan), points in whole points.
    """

    SCORE = "score", _("信用分")
    SPENDABLE = "spendable", _("可用积分")
    COUPON = "coupon", _("信用券（分）")
    MONEY = "money", _("基金（分）")


# The two numbers every villager has; a record moves both (see DOMAIN.md).
POINTS: tuple[str, ...] = (Currency.SCORE, Currency.SPENDABLE)


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("村民")
    ISSUANCE = "issuance", _("村积分发行")
    SHOP = "shop", _("信用超市")
    MERCHANT = "merchant", _("合作商家")
    FUND = "fund", _("信用基金")
    # Where money and coupons enter or leave the books: sponsors, suppliers, settled coupons.
    OUTSIDE = "outside", _("外部往来")


class Account(models.Model):
    """A balance in one currency, owned by a region (issuance, or a shop, merchant or fund of it
    named by ``holder``, e.g. ``shop:12``) or by one of its residents."""

    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.CharField(max_length=16, choices=Currency.choices)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    holder = models.CharField(max_length=40, blank=True, default="")
    balance = models.BigIntegerField(default=0)
    allow_negative = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"
    scope_resident_field = "resident_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "resident"],
                condition=Q(resident__isnull=False),
                name="ledger_one_account_per_resident_currency",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency", "village", "holder"],
                condition=Q(resident__isnull=True),
                name="ledger_one_holder_account_per_kind_currency",
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=0),
                name="ledger_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind="resident", resident__isnull=False)
                | (~Q(kind="resident") & Q(resident__isnull=True)),
                name="ledger_resident_account_has_resident",
            ),
        ]

    def __str__(self) -> str:
        owner = self.resident_id or self.holder or self.village_id
        return f"{self.kind}:{self.currency}:{owner}"


class Transfer(models.Model):
    """One movement of points: a balanced set of entries, never changed once written."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=40)
    memo = models.CharField(max_length=200, blank=True)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Which configured key signed the link ("" for a link from before the chain was keyed).
    key_id = models.CharField(max_length=16, default=current_key_id)
    # The link's hash before ``rekey-ledger`` signed it, kept inside the signed link, so heads
    # printed before still verify ("" when never re-keyed).
    former_hash = models.CharField(max_length=64, blank=True, default="")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "village__code"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["village", "seq"], name="ledger_chain_seq_unique"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="ledger_seq_positive"),
        ]

    def __str__(self) -> str:
        return self.key


class Entry(models.Model):
    """One leg of a transfer: a signed amount on one account (credit > 0, debit < 0)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="ledger_one_entry_per_account"
            ),
        ]
        indexes = [models.Index(fields=["account", "-id"], name="ledger_entry_account_recent")]

    def __str__(self) -> str:
        return f"{self.transfer_id}:{self.account_id}:{self.amount}"


class ChainHead(models.Model):
    """The newest link of a village's chain; locking it orders the village's postings."""

    village = models.OneToOneField(
        "regions.Region", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.village_id}:{self.seq}"
