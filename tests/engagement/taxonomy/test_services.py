"""Causes and skills changed by tenant admins: add, rename, retire, restore; a retired one is no
longer offered, and missions that carry it keep it."""

from __future__ import annotations

import pytest
from django.utils import translation

from engagement.errors import EngagementError
from engagement.missions.services import mission_create, mission_update
from engagement.taxonomy.models import Cause, Skill
from engagement.taxonomy.selectors import cause_list, skill_list, taxonomy_counts
from engagement.taxonomy.services import (
    cause_create,
    cause_rename,
    cause_restore,
    cause_retire,
    skill_create,
    skill_retire,
    taxonomy_resolve,
)
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    CauseFactory,
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    SkillFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_french():  # type: ignore[no-untyped-def]
    """Messages are checked in French (pages of another test may leave another language on)."""
    with translation.override("fr"):
        yield


@pytest.fixture
def admin(in_paris):  # type: ignore[no-untyped-def]
    return TenantAdminFactory()


def _causes() -> list[tuple[str, str, str, bool]]:
    return list(Cause.objects.order_by("pk").values_list("slug", "name_fr", "name_en", "is_active"))


def test_a_new_cause_is_offered_last_and_audited(admin):
    last = Cause.objects.order_by("-position").first()

    cause = cause_create(actor=admin, name_fr="Jardins partagés", name_en="Shared gardens")

    assert (cause.slug, cause.name_fr, cause.name_en) == (
        "jardins-partages",
        "Jardins partagés",
        "Shared gardens",
    )
    assert cause.position == (last.position + 1 if last else 0)
    assert list(cause_list())[-1] == cause
    assert audit_actions() == ["taxonomy.cause_created"]


def test_one_name_is_used_for_both_languages(admin):
    skill = skill_create(actor=admin, name_fr="", name_en="  Carpentry ")

    assert (skill.name_fr, skill.name_en, skill.slug) == ("Carpentry", "Carpentry", "carpentry")


@pytest.mark.parametrize(
    ("name_fr", "name_en"),
    [("", ""), ("   ", ""), ("<b></b>", "<script>x</script>")],
)
def test_an_empty_cause_name_is_refused(admin, name_fr, name_en):
    before = _causes()

    with pytest.raises(EngagementError) as refused:
        cause_create(actor=admin, name_fr=name_fr, name_en=name_en)

    assert list(refused.value.fields) == ["name_fr"]
    assert _causes() == before
    assert audit_actions() == []


def test_a_duplicate_cause_is_refused_whatever_the_case_or_language(admin):
    existing = CauseFactory(slug="velo", name_fr="Vélo", name_en="Cycling")
    before = _causes()

    for name_fr, name_en in (("vélo", ""), ("", "CYCLING"), ("Cycling", "Bike")):
        with pytest.raises(EngagementError) as refused:
            cause_create(actor=admin, name_fr=name_fr, name_en=name_en)
        assert refused.value.fields == {"name_fr": ["Une cause de ce nom existe déjà."]}

    assert _causes() == before
    # Renaming to its own name again is no duplicate.
    cause_rename(cause=existing, actor=admin, name_fr="Vélo", name_en="Cycling")
    with pytest.raises(EngagementError):
        cause_rename(cause=CauseFactory(), actor=admin, name_fr="Autre", name_en="cycling")


def test_a_renamed_cause_shows_its_new_name_on_its_missions(admin):
    cause = CauseFactory(name_fr="Vieux nom", name_en="Old name")
    mission = MissionFactory(causes=[cause])

    cause_rename(cause=cause, actor=admin, name_fr="Nouveau nom", name_en="New name")

    assert [c.name_fr for c in mission.causes.all()] == ["Nouveau nom"]
    assert audit_actions() == ["taxonomy.cause_renamed"]


def test_a_retired_cause_is_no_longer_offered_but_missions_keep_it(admin):
    cause = CauseFactory()
    mission = MissionFactory(causes=[cause])

    cause_retire(cause=cause, actor=admin)

    assert cause not in cause_list()
    assert cause in cause_list(including=[cause.pk])
    assert list(mission.causes.all()) == [cause]
    with pytest.raises(EngagementError) as refused:
        taxonomy_resolve(cause_ids=[cause.pk], skill_ids=None)
    assert refused.value.code == "unknown_cause"
    assert taxonomy_resolve(cause_ids=[cause.pk], skill_ids=None, kept_cause_ids=[cause.pk])[0] == [
        cause
    ]
    assert taxonomy_counts().causes_retired == 1

    cause_restore(cause=cause, actor=admin)

    assert cause in cause_list()
    assert audit_actions() == ["taxonomy.cause_retired", "taxonomy.cause_restored"]


def test_retiring_twice_is_one_change(admin):
    skill = SkillFactory()

    skill_retire(skill=skill, actor=admin)
    skill_retire(skill=skill, actor=admin)

    assert skill not in skill_list()
    assert audit_actions() == ["taxonomy.skill_retired"]


def test_an_edited_mission_keeps_its_retired_cause_and_a_new_one_cannot_take_it(admin):
    organization = OrganizationFactory()
    editor = UserFactory()
    MembershipFactory(organization=organization, user=editor, role="admin")
    retired, active = CauseFactory(), CauseFactory()
    retired_skill = SkillFactory()
    mission = MissionFactory(organization=organization, causes=[retired], skills=[retired_skill])
    cause_retire(cause=retired, actor=admin)
    skill_retire(skill=retired_skill, actor=admin)

    mission_update(
        mission=mission,
        actor=editor,
        cause_ids=[retired.pk, active.pk],
        skill_ids=[retired_skill.pk],
    )

    assert set(mission.causes.all()) == {retired, active}
    assert list(mission.skills.all()) == [retired_skill]
    with pytest.raises(EngagementError) as refused:
        mission_create(
            organization=organization,
            actor=editor,
            title="Nouvelle",
            cause_ids=[retired.pk],
            is_remote=True,
        )
    assert refused.value.code == "unknown_cause"
    # An edit may also drop it; it cannot come back afterwards.
    mission_update(mission=mission, actor=editor, cause_ids=[active.pk])
    with pytest.raises(EngagementError):
        mission_update(mission=mission, actor=editor, cause_ids=[retired.pk])


def test_only_a_tenant_admin_changes_the_lists(in_paris):
    cause = CauseFactory()
    for actor in (UserFactory(), UserFactory(role="moderator")):
        with pytest.raises(EngagementError) as refused:
            cause_create(actor=actor, name_fr="Pirate", name_en="")
        assert refused.value.code == "not_allowed"
        with pytest.raises(EngagementError):
            cause_retire(cause=cause, actor=actor)

    assert Cause.objects.get(pk=cause.pk).is_active
    assert not Skill.objects.filter(name_fr="Pirate").exists()
