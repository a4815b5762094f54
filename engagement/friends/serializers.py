"""What the API says of friends: a person, and the friends going to a mission (the mission API's
`friends_going`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from engagement.friends.selectors import Person
from engagement.friends.wording import going_sentence


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "FriendPerson"


class FriendsGoingSerializer(serializers.Serializer):
    """The viewer's friends going to a mission (friends only; null for anonymous callers)."""

    count = serializers.IntegerField()
    text = serializers.CharField(
        help_text="“Léa and 2 friends are going”, in the caller's language."
    )
    friends = PersonSerializer(many=True)


def friends_going_data(people: list[Person]) -> dict[str, Any]:
    return {
        "count": len(people),
        "text": going_sentence(people),
        "friends": [{"id": person.id, "name": person.name} for person in people],
    }
