"""State changes of records, by sub-topic: collect, review, notices, effect, corrections."""
