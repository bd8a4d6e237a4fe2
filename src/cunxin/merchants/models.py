"""Models of the merchants app (issue 5: spending points)."""
