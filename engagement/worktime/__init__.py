"""Volunteering time of a company programme: the yearly allowance of work hours, an employee's
requests for work time for a participation, the manager's decision, exact balances, and hours
volunteered outside the platform that an organization (or an admin) confirms."""
