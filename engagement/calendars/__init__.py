"""Calendar feeds: a secret, revocable address per volunteer (their participations) and per
organizer of an organization (its dates, with counts only), served as text/calendar; the
notices sent to participants when a date changes. The event of one participation is built by
engagement.participations.calendar."""
