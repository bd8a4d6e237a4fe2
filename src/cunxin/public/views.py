"""Public pages (no login): a village's notices, the printable poster, verifying a chain head."""
