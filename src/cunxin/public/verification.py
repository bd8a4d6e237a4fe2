"""Checking a printed chain head (seq + hash) against the village's ledger as it is now.

A notice prints the village's chain head when it went up. Anyone holding the poster can ask
whether that head is still part of the chain recomputed from the postings: if a posting up to
it was edited, deleted or forged, the recomputed hash differs. The answer names no person and
no posting, only link numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext as _

from cunxin.ledger.chain import GENESIS
from cunxin.ledger.checks import walk_chain
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.records.models import Notice
from cunxin.regions.models import Region

# A walk reads every posting of the village: many people scanning the same poster within a
# minute share one walk. The key holds the stored head, so a new posting starts a fresh walk.
WALK_CACHE_SECONDS = 60


def grouped(digest: str, size: int = 8) -> str:
    """A hash in groups of eight, as it is printed: easier to read aloud and to copy by hand."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))


@dataclass(frozen=True)
class Walk:
    """The village's chain recomputed from its postings: how far it holds, and its length."""

    last_seq: int  # the last link that recomputes correctly
    broken_at: int | None  # the first link that does not (None: the whole chain holds)
    stored_head: int  # the head the ledger keeps (ChainHead.seq): more links than hold = deleted


@dataclass(frozen=True)
class Verdict:
    """The answer for one printed head."""

    consistent: bool
    summary: str
    details: list[str] = field(default_factory=list)
    expected_hash: str = ""  # the hash the ledger has at that link, when it has the link
    notices: list[int] = field(default_factory=list)  # notices that printed this very head

    @property
    def expected_grouped(self) -> str:
        return grouped(self.expected_hash)


def walk(village: Region) -> Walk:
    """Recompute the village's whole chain once (cached for a minute per stored head).

    One walk over the whole chain answers both questions: up to the printed link, each stored
    hash that recomputes equals the chain's value there (that is what ``walk_chain`` checks), so
    the printed hash can be compared with the stored one; and past it, whether the rest holds.
    Walking ``up_to=seq`` and then the whole chain again would read the prefix twice.
    """
    head = ChainHead.objects.filter(village=village).values_list("seq", "hash").first()
    stored_seq, stored_hash = head if head else (0, GENESIS)
    key = f"public:chain-walk:{village.pk}:{stored_seq}:{stored_hash}"
    cached = cache.get(key)
    if isinstance(cached, Walk):
        return cached
    last_seq, _last_hash, problem = walk_chain(village)
    result = Walk(
        last_seq=last_seq,
        broken_at=last_seq + 1 if problem is not None else None,
        stored_head=stored_seq,
    )
    cache.set(key, result, WALK_CACHE_SECONDS)
    return result


def verify_head(village: Region, seq: int, digest: str) -> Verdict:
    """Whether the printed head (seq, hash) is part of the village's chain as recomputed now."""
    digest = digest.lower()
    notices = list(
        Notice.objects.filter(village=village, chain_seq=seq, chain_hash=digest)
        .order_by("number")
        .values_list("number", flat=True)
    )
    chain = walk(village)
    if chain.broken_at is not None and chain.broken_at <= seq:
        return Verdict(
            consistent=False,
            summary=_("不一致：本村账本在这个链头之前已被改动。"),
            details=[
                _(
                    "账本第 %(k)d 条与记录的数据不符（被修改、删除或插入），"
                    "从这一条起，之后的链头（包括第 %(seq)d 条）都无法得到确认。"
                )
                % {"k": chain.broken_at, "seq": seq},
                _("请向街道/镇信用中心反映。"),
            ],
            notices=notices,
        )
    if seq > chain.last_seq:
        if chain.stored_head >= seq:
            # The ledger's own head says the link exists, but its postings are gone.
            return Verdict(
                consistent=False,
                summary=_("不一致：本村账本缺少记账。"),
                details=[
                    _(
                        "账本记录的最新链头是第 %(head)d 条，但数据只到第 %(n)d 条："
                        "有记账被删除。请向街道/镇信用中心反映。"
                    )
                    % {"head": chain.stored_head, "n": chain.last_seq}
                ],
                notices=notices,
            )
        return Verdict(
            consistent=False,
            summary=_("不一致：本村账本没有这一条。"),
            details=[
                _(
                    "本村账本目前共 %(n)d 条，没有第 %(seq)d 条："
                    "这个链头不属于本村账本，请核对村名和序号是否抄错。"
                )
                % {"n": chain.last_seq, "seq": seq}
            ],
            notices=notices,
        )
    expected = (
        GENESIS
        if seq == 0
        else Transfer.objects.filter(village=village, seq=seq).values_list("hash", flat=True).get()
    )
    if expected != digest:
        return Verdict(
            consistent=False,
            summary=_("不一致：第 %(seq)d 条的哈希与账本不符。") % {"seq": seq},
            details=[
                _(
                    "按账本数据重新计算，第 %(seq)d 条的哈希是下面这一串。"
                    "若只差一两个字符，多半是抄错了；否则这张公示单上的链头不是本村账本的。"
                )
                % {"seq": seq}
            ],
            expected_hash=expected,
            notices=notices,
        )
    details = [
        _("按账本数据从第 1 条重新计算到第 %(seq)d 条，结果与这个链头相同。") % {"seq": seq}
        if seq
        else _("这是本村账本的起点（还没有任何记账）。")
    ]
    if chain.broken_at is not None:
        details.append(
            _("但此后的账本在第 %(k)d 条与数据不符，请向街道/镇信用中心反映。")
            % {"k": chain.broken_at}
        )
    elif chain.stored_head > chain.last_seq:
        details.append(
            _("但账本记录的最新链头是第 %(head)d 条，数据却只到第 %(n)d 条：有记账缺失。")
            % {"head": chain.stored_head, "n": chain.last_seq}
        )
    elif chain.last_seq > seq:
        details.append(
            _("此后的账本（第 %(next)d 条至最新的第 %(n)d 条）也完整无缺。")
            % {"next": seq + 1, "n": chain.last_seq}
        )
    else:
        details.append(_("这就是本村账本目前的最新链头。"))
    return Verdict(
        consistent=True,
        summary=_("一致：这个链头与本村账本一致。"),
        details=details,
        expected_hash=expected,
        notices=notices,
    )
