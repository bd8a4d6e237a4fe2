"""Models of the cards app (issue 5: spending points)."""
