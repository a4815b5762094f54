"""Messages an organization sends to the participants of one of its missions or slots."""
