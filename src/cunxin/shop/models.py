"""Models of the shop app (issue 5: spending points)."""
