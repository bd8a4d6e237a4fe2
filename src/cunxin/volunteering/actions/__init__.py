"""State changes of volunteering, by sub-topic: teams, activities, sign-up, attendance,
completion. Each is atomic, checks the permission, and writes its audit entry."""
