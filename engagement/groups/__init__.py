"""Going with friends: a volunteer signs up for a slot and holds seats for named friends.

A held seat counts against the slot's capacity (`Slot.held_count`) until the friend claims it (it
becomes their confirmed participation), declines it, or it expires; a released seat goes to the
slot's waiting list at once. Friendships themselves live in engagement.friends.
"""
