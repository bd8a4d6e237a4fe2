"""Pages of the shop: ``manage`` (shops, keepers, goods, stock, figures) and ``counter``
(the keeper's phone: identify the customer, pick goods, receipt, the day's redemptions)."""
