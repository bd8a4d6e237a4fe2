"""State changes of the shop: ``catalogue`` (shops, keepers, goods, stock) and ``redeem``."""
