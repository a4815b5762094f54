"""Pages of the engagement app: resident pages (resident.py) and the organization space
(organization.py). Views parse, authorise, call one service or selector and present."""
