"""What the demo's shops sell, who gives to the fund, and the made-up card numbers, PINs and photos the spending story uses (see ``demo/spending.py``)."""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass

# The demo's login of the shop keeper of the first village (build.py) and the town's clerk.
KEEPER_PHONE = "13800000004"
CENTRE_PHONE = "13800000001"
ADMIN_PHONE = "13800000000"
# The credit centre's second clerk, who approves what the first proposes (not a tour login).
CHECKER_PHONE = "13800019905"
SUPPLIER = "李营街道万家福粮油日杂批发部"


@dataclass(frozen=True)
class Item:
    """A goods of the demo shops: points price, monthly limit, the stock the shop keeps, the
    wholesale price the fund pays (fen), and the colour of its photo (or none)."""

    name: str
    price: int
    limit: int
    stock: int
    cost_fen: int
    photo: tuple[int, int, int] | None = None


ITEMS = [
    Item("大米（10斤装）", 30, 2, 10, 3500, (236, 226, 200)),
    Item("花生油（5L）", 80, 1, 4, 8900, (226, 180, 60)),
    Item("挂面（2.5kg）", 20, 2, 6, 1800),
    Item("洗衣粉（2kg）", 15, 2, 6, 1600, (70, 130, 200)),
    Item("酱油（500ml）", 10, 3, 8, 900),
    Item("洗洁精（1.1kg）", 12, 2, 6, 1000),
    Item("香皂（两块装）", 10, 3, 8, 600),
    Item("牙膏", 12, 2, 6, 800),
    Item("毛巾", 10, 3, 8, 800),
    Item("暖水瓶", 40, 1, 3, 3500, (200, 40, 40)),
]
# (sponsor, yuan, note), received through the year: 15,000 yuan as in seed 003.
DONATIONS = [
    ("李营街道商会", 8000, "商会会员企业认捐，用于各村信用超市"),
    ("济宁鲁丰面粉有限公司", 4000, "企业社会责任捐赠"),
    ("王振华（在外乡贤）", 2000, "支持家乡信用建设"),
    ("任城区兴农农资店", 1000, "合作商家捐赠"),
]
CANCEL_REASON = "村民拿错了规格，当场退回，改兑其他商品"
UNLOCK_REASON = "本人持身份证到村委会，核实身份后解锁，并提醒牢记密码"
REJECT_REASON = "与上月已支付的发票重复，请核对后重新提交"
# Cards go to the oldest villagers without a login, and to those a coupon is given to.
CARDS_PER_VILLAGE = 3
OLD = 62


def goods_photo(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A small solid-colour PNG: a stand-in goods photo that any browser shows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def card_number(rng: random.Random) -> str:
    """A 19-digit bank card number (a 62 union-pay prefix) with its Luhn check digit."""
    body = "622848" + "".join(str(rng.randint(0, 9)) for _ in range(12))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these are in odd places once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def card_pin(rng: random.Random) -> str:
    while True:
        pin = f"{rng.randint(0, 999999):06d}"
        if len(set(pin)) > 2 and pin not in "0123456789" and pin not in "9876543210":
            return pin
