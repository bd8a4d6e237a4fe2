"""Pages of the blacklist (诚信黑名单) and credit repair (信用修复)."""
