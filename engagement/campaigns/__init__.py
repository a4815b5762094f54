"""Campaigns of a company programme ("Giving week", "December solidarity"): dates, a goal in hours
or participations, featured missions and partner organizations, progress and team standings, the
announcement e-mail to employees."""
