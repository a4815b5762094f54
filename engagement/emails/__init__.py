"""Engagement e-mails: rendering in the tenant's language and look, and sending each one once."""
