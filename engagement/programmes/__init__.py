"""A company's volunteering programme: office sites, teams and their members, each employee's
place in the company (department, site, manager), and the programme's settings (leaderboards,
volunteering time on work hours).

Campaigns (engagement.campaigns), volunteering time (engagement.worktime), directory
provisioning (engagement.directory), shared missions from the cities (engagement.sharing) and the
CSR reports (engagement.reports) build on these models; a city tenant simply has none of them.
"""
