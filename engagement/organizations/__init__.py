"""Organizations (associations, collectives, company teams), their members, invitations,
logos."""
