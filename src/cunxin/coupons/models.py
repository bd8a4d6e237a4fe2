"""Models of the coupons app (issue 5: spending points)."""
