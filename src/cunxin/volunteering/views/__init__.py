"""Pages of volunteering, by sub-topic: activities, attendance, teams, figures.

Views parse, authorise and call the actions; reads go through the selectors. Objects outside
the user's scope answer 404.
"""
