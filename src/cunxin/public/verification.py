"""Checking a printed chain head (seq + hash) against the village's ledger as it is now.

A notice prints the village's chain head when it went up. Anyone holding the poster can ask
whether that head is still part of the chain recomputed from the postings: if a posting up to
it was edited, deleted or forged, the recomputed link differs (links are keyed, so a database
writer cannot forge them: ``ledger.chain``). The answer names no person and no posting, only
link numbers.

Every question recomputes the village's chain afresh. An answer is never taken from a cache:
an edit in the middle of the chain changes neither the stored head nor anything cheaper to read
than the chain itself, so a cached "一致" could outlive the edit it should reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cunxin.ledger.chain import GENESIS
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.ledger.walk import walk_chain
from cunxin.records.models import Notice
from cunxin.regions.models import Region


def grouped(digest: str, size: int = 8) -> str:
    """A hash in groups of eight, as it is printed: easier to read aloud and to copy by hand."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))


@dataclass(frozen=True)
class Walk:
    """The village's chain recomputed from its postings: how far it holds, and its length."""

    last_seq: int  # the last link that recomputes correctly
    broken_at: int | None  # the first link that does not (None: the whole chain holds)
    stored_head: int  # the head the ledger keeps (ChainHead.seq): more links than hold = deleted
    unkeyed_until: int = 0  # links up to here were never signed with the key (see chain.py)


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
    """Recompute the village's whole chain once.

    One walk over the whole chain answers both questions: up to the printed link, each stored
    hash that recomputes equals the chain's value there (that is what ``walk_chain`` checks), so
    the printed hash can be compared with the stored one; and past it, whether the rest holds.
    Walking ``up_to=seq`` and then the whole chain again would read the prefix twice.
    """
    head = ChainHead.objects.filter(village=village).values_list("seq", flat=True).first()
    chain = walk_chain(village)
    return Walk(
        last_seq=chain.seq,
        broken_at=chain.broken.seq if chain.broken is not None else None,
        stored_head=head or 0,
        unkeyed_until=chain.unkeyed_until,
    )


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
    if 0 < seq <= chain.unkeyed_until:
        return Verdict(
            consistent=False,
            summary=_("无法确认：本村账本的这一段还没有用密钥签名。"),
            details=[
                _(
                    "账本第 1 至 %(n)d 条是在启用密钥签名之前记的，能改数据库的人就能重算它们，"
                    "所以不能据此确认第 %(seq)d 条。请向街道/镇信用中心反映，请其运行密钥签名。"
                )
                % {"n": chain.unkeyed_until, "seq": seq}
            ],
            notices=notices,
        )
    expected, former = (
        (GENESIS, "")
        if seq == 0
        else Transfer.objects.filter(village=village, seq=seq)
        .values_list("hash", "former_hash")
        .get()
    )
    if digest == former:
        # Printed before the chain was keyed: the signed link vouches for its former hash.
        expected = former
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
