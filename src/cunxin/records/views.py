"""Pages of records: collector entry, committee review, notices, objections, villager view."""
