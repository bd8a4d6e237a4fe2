"""Models of the fund app (issue 5: spending points)."""
