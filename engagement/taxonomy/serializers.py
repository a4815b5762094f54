"""API representations of causes and skills."""

from __future__ import annotations

from rest_framework import serializers

from engagement.taxonomy.models import Cause, Skill


class CauseSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Cause
        fields = ["id", "slug", "label", "name_fr", "name_en", "icon"]
        ref_name = "Cause"


class SkillSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Skill
        fields = ["id", "slug", "label", "name_fr", "name_en"]
        ref_name = "Skill"


class TaxonomyItemSerializer(serializers.Serializer):
    """A cause or skill inside another object: slug and label in the request's language."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    label = serializers.CharField()

    class Meta:
        ref_name = "TaxonomyItem"
