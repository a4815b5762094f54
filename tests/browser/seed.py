"""The browser session's data, committed once: organizations, missions and dates in Paris,
Montréal and Acme Corp, and Acme's logo. Written with the engagement factories (the services'
rules are tested elsewhere; here we need known places and titles)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.notifications import notifications_muted
from tenants.models import Tenant
from tests.browser.conftest import World
from tests.engagement.factories import MissionFactory, OrganizationFactory, SlotFactory

PARIS_POSITION = (48.8535, 2.3690)  # a few steps from Bastille

PARIS_MISSIONS = (
    # title, (lat, lng), causes, summary, slots: (days from now, hour, hours, capacity)
    (
        "Distribution de repas à Bastille",
        (48.8532, 2.3695),
        ["alimentation", "solidarite"],
        "Servir un repas chaud aux personnes de la rue, en équipe.",
        [(3, 18, 3, 8)],
    ),
    (
        "Jardin partagé de la Folie-Méricourt",
        (48.8655, 2.3717),
        ["environnement"],
        "Semer, arroser, récolter avec les voisins du quartier.",
        [(4, 10, 2, 6), (11, 10, 2, 6)],
    ),
    (
        "Soutien scolaire à Belleville",
        (48.8722, 2.3767),
        ["education", "enfance"],
        "Aider des collégiens à faire leurs devoirs après l'école.",
        [(2, 17, 2, 4)],
    ),
    (
        "Maraude du soir – Gare du Nord",
        (48.8809, 2.3553),
        ["solidarite"],
        "Aller à la rencontre des personnes sans abri avec thé et couvertures.",
        [(5, 20, 3, 10)],
    ),
    (
        "Visites de convivialité aux aînés",
        (48.8620, 2.2875),
        ["seniors"],
        "Passer un moment avec une personne âgée isolée du 16e.",
        [(6, 15, 2, 3)],
    ),
    (
        "Atelier vélo solidaire à Montreuil",
        (48.8638, 2.4485),
        ["environnement", "sport"],
        "Réparer des vélos donnés et les remettre en circulation.",
        [(7, 14, 4, 5)],
    ),
)

MONTREAL_MISSIONS = (
    (
        "Banque alimentaire du Plateau",
        (45.5225, -73.5794),
        ["alimentation"],
        "Trier et distribuer des paniers d'épicerie.",
        [(3, 9, 3, 12)],
    ),
    (
        "Corvée de nettoyage du parc La Fontaine",
        (45.5270, -73.5690),
        ["environnement"],
        "Ramasser les déchets et planter des vivaces.",
        [(5, 10, 3, 20)],
    ),
)

ACME_MISSIONS = (
    (
        "Mentoring young jobseekers",
        (48.8924, 2.2369),
        ["education"],
        "One hour a week with a young person looking for a first job.",
        [(4, 12, 1, 5)],
    ),
)


ADDRESSES = {
    "Distribution de repas à Bastille": ("2 rue de la Roquette", "75011", "Paris"),
    "Jardin partagé de la Folie-Méricourt": ("34 rue de la Folie-Méricourt", "75011", "Paris"),
    "Soutien scolaire à Belleville": ("12 rue de Belleville", "75020", "Paris"),
    "Maraude du soir – Gare du Nord": ("18 rue de Dunkerque", "75010", "Paris"),
    "Visites de convivialité aux aînés": ("5 avenue d'Eylau", "75016", "Paris"),
    "Atelier vélo solidaire à Montreuil": ("40 rue de Paris", "93100", "Montreuil"),
    "Banque alimentaire du Plateau": ("4300 rue Saint-Denis", "H2J 2K9", "Montréal"),
    "Corvée de nettoyage du parc La Fontaine": (
        "3819 avenue Calixa-Lavallée",
        "H2H 1P4",
        "Montréal",
    ),
    "Mentoring young jobseekers": ("1 place de la Défense", "92800", "Puteaux"),
}


def _logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (96, 96), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([4, 4, 92, 92], radius=18, fill=(15, 157, 138))
    draw.polygon([(48, 18), (78, 76), (18, 76)], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _missions(specs, *, organization_names, zone: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    organizations = [OrganizationFactory(name=name) for name in organization_names]
    created = {}
    for index, (title, (lat, lng), causes, summary, slots) in enumerate(specs):
        mission = MissionFactory(
            title=title,
            summary=summary,
            description=f"<p>{summary}</p><p>Aucune expérience n'est nécessaire : "
            "nous vous accueillons et vous expliquons tout sur place.</p>",
            location=Point(lng, lat, srid=4326),
            address=ADDRESSES[title][0],
            postcode=ADDRESSES[title][1],
            city=ADDRESSES[title][2],
            causes=causes,
            organization=organizations[index % len(organizations)],
            is_step_free=index % 2 == 0,
        )
        today = timezone.now().astimezone(ZoneInfo(zone)).replace(minute=0, second=0, microsecond=0)
        for days, hour, hours, capacity in slots:
            starts: datetime = today.replace(hour=hour) + timedelta(days=days)
            SlotFactory(
                mission=mission,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                capacity=capacity,
            )
        created[title] = mission.pk
    return created


def browser_world_seed() -> World:
    paris = Tenant.objects.get(slug="paris")
    montreal = Tenant.objects.get(slug="montreal")
    acme = Tenant.objects.get(slug="acme")
    with notifications_muted():
        with tenant_context(paris):
            paris_missions = _missions(
                PARIS_MISSIONS,
                organization_names=["Les Restos du Cœur – Paris 11", "Paris Nature en partage"],
                zone=paris.timezone,
            )
        with tenant_context(montreal):
            montreal_missions = _missions(
                MONTREAL_MISSIONS,
                organization_names=["Moisson Montréal"],
                zone=montreal.timezone,
            )
        with tenant_context(acme):
            acme_missions = _missions(
                ACME_MISSIONS, organization_names=["Acme Cares"], zone=acme.timezone
            )
    acme.tagline = "Volunteering, together"
    acme.languages = ["fr"]
    acme.save(update_fields=["tagline", "languages", "updated_at"])
    acme.logo.save("acme-logo.png", ContentFile(_logo_png()), save=True)
    paris.tagline = "Engagez-vous près de chez vous"
    paris.save(update_fields=["tagline", "updated_at"])
    return World(
        paris_missions=paris_missions,
        montreal_missions=montreal_missions,
        acme_missions=acme_missions,
        paris_position=PARIS_POSITION,
    )


def browser_world_unseed() -> None:
    """The session's database is dropped afterwards; only the logo file lives outside it."""
    acme = Tenant.objects.get(slug="acme")
    if acme.logo:
        acme.logo.delete(save=True)
