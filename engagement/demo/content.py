"""The demo tenants' content: organizations and missions at real places, in each tenant's language.

Coordinates are (latitude, longitude) of real places in the city. Slots are given relative to
the day the demo is seeded: (days from today, local start hour, duration in hours, seats, fill)
where `fill` has neighbours take every seat so the slot shows as full; ONGOING is an undated slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ONGOING = "ongoing"
DEMO_PASSWORD = "entraide-demo"


@dataclass(frozen=True)
class DemoSlot:
    days: int = 0
    hour: int = 10
    hours: float = 3
    capacity: int = 8
    fill: bool = False
    ongoing: bool = False


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    name: str
    kind: str
    description: str
    address: str
    website: str = ""


@dataclass(frozen=True)
class DemoMission:
    organization: str
    title: str
    summary: str
    description: str
    causes: tuple[str, ...]
    skills: tuple[str, ...] = ()
    point: tuple[float, float] | None = None
    address: str = ""
    postcode: str = ""
    city: str = ""
    is_step_free: bool = False
    is_open_to_minors: bool = False
    is_beginner_friendly: bool = True
    requires_approval: bool = False
    slots: tuple[DemoSlot, ...] = field(default_factory=tuple)

    @property
    def is_remote(self) -> bool:
        return self.point is None


def weekly(
    first: int, hour: int, hours: float, capacity: int, times: int = 3
) -> tuple[DemoSlot, ...]:
    return tuple(DemoSlot(first + 7 * week, hour, hours, capacity) for week in range(times))


# --- Paris ----------------------------------------------------------------------------------------

PARIS_ORGANIZATIONS = (
    DemoOrganization(
        "restos-11",
        "Les Restos du Cœur – Paris 11e",
        "association",
        "<p>Distribution de repas et accompagnement des personnes en difficulté dans l'Est "
        "parisien.</p>",
        "18 rue Oberkampf, 75011 Paris",
        "https://www.restosducoeur.org",
    ),
    DemoOrganization(
        "belleville-vert",
        "Belleville en Vert",
        "collectif",
        "<p>Collectif d'habitants qui jardine, composte et végétalise le quartier de "
        "Belleville.</p>",
        "Parc de Belleville, 75020 Paris",
    ),
    DemoOrganization(
        "lire-ensemble",
        "Lire et Grandir Ensemble",
        "association",
        "<p>Soutien scolaire, ateliers lecture et aide aux devoirs pour les enfants du 14e et "
        "du 13e arrondissement.</p>",
        "12 rue de la Gaîté, 75014 Paris",
    ),
)

PARIS_MISSIONS = (
    DemoMission(
        "restos-11",
        "Maraude solidaire place de la République",
        "Aller à la rencontre des personnes à la rue avec un repas chaud.",
        "<p>Chaque mardi soir, nous partons en maraude autour de la place de la République avec "
        "des repas chauds, des boissons et des kits d'hygiène.</p><ul><li>accueil et "
        "consignes à 19 h</li><li>maraude en binôme</li><li>débriefing autour d'un thé</li>"
        "</ul>",
        ("solidarite", "alimentation"),
        ("accueil",),
        (48.8674, 2.3636),
        "Place de la République",
        "75011",
        "Paris",
        is_step_free=True,
        slots=(DemoSlot(1, 19, 2.5, 6), DemoSlot(8, 19, 2.5, 6), DemoSlot(15, 19, 2.5, 6)),
    ),
    DemoMission(
        "restos-11",
        "Tri et distribution de colis alimentaires",
        "Préparer et remettre des colis aux familles inscrites.",
        "<p>Au centre de distribution, vous aidez à trier les denrées, composer les colis et "
        "accueillir les familles. <strong>Chaussures fermées</strong> conseillées.</p>",
        ("alimentation", "solidarite"),
        ("logistique", "accueil"),
        (48.8650, 2.3780),
        "18 rue Oberkampf",
        "75011",
        "Paris",
        is_open_to_minors=True,
        slots=(DemoSlot(2, 9, 3, 2, fill=True), DemoSlot(5, 9, 3, 10), DemoSlot(12, 9, 3, 10)),
    ),
    DemoMission(
        "restos-11",
        "Cuisine solidaire à Bercy",
        "Cuisiner des repas pour les maraudes de la semaine.",
        "<p>En cuisine avec notre cheffe bénévole : épluchage, préparation et mise en "
        "barquettes de 200 repas.</p>",
        ("alimentation",),
        ("cuisine",),
        (48.8352, 2.3822),
        "Parc de Bercy, 128 quai de Bercy",
        "75012",
        "Paris",
        is_step_free=True,
        slots=weekly(4, 14, 3, 8),
    ),
    DemoMission(
        "restos-11",
        "Accueil de nuit gare Montparnasse",
        "Tenir l'accueil d'une halte de nuit près de la gare.",
        "<p>Vous accueillez les personnes, servez une collation et orientez vers les services "
        "sociaux. Une formation d'une heure est prévue avant la première nuit.</p>",
        ("solidarite",),
        ("accueil", "premiers-secours"),
        (48.8412, 2.3208),
        "Place Raoul Dautry",
        "75015",
        "Paris",
        is_beginner_friendly=False,
        requires_approval=True,
        slots=(DemoSlot(6, 21, 4, 3), DemoSlot(13, 21, 4, 3)),
    ),
    DemoMission(
        "belleville-vert",
        "Jardinage au parc de Belleville",
        "Entretenir les parcelles partagées et le verger.",
        "<p>Désherbage, semis et récolte dans les parcelles partagées, avec vue sur tout Paris. "
        "Outils et gants fournis.</p>",
        ("environnement",),
        ("jardinage",),
        (48.8716, 2.3847),
        "Parc de Belleville, rue Piat",
        "75020",
        "Paris",
        is_open_to_minors=True,
        slots=weekly(3, 10, 3, 12),
    ),
    DemoMission(
        "belleville-vert",
        "Nettoyage des berges du canal Saint-Martin",
        "Ramasser les déchets le long du canal, en famille ou entre amis.",
        "<p>Rendez-vous quai de Valmy : pinces, sacs et gilets fournis. Les déchets sont triés "
        "et pesés à la fin.</p>",
        ("environnement",),
        (),
        (48.8720, 2.3640),
        "Quai de Valmy",
        "75010",
        "Paris",
        is_step_free=True,
        is_open_to_minors=True,
        slots=(DemoSlot(5, 10, 2, 25), DemoSlot(19, 10, 2, 25)),
    ),
    DemoMission(
        "belleville-vert",
        "Composteur de quartier à Ménilmontant",
        "Tenir les permanences du composteur partagé.",
        "<p>Accueillir les habitants qui apportent leurs biodéchets, mélanger, expliquer le "
        "compostage. Permanences toute l'année.</p>",
        ("environnement",),
        ("accueil", "jardinage"),
        (48.8662, 2.3830),
        "Square de la Roquette",
        "75020",
        "Paris",
        is_step_free=True,
        slots=(DemoSlot(capacity=5, ongoing=True),),
    ),
    DemoMission(
        "belleville-vert",
        "Atelier réparation de vélos à la Goutte d'Or",
        "Apprendre aux habitants à réparer leur vélo.",
        "<p>Un atelier participatif : crevaisons, freins, dérailleurs. Venez avec vos mains, "
        "nous fournissons les outils.</p>",
        ("environnement", "sport"),
        ("bricolage", "animation"),
        (48.8850, 2.3530),
        "Square Léon, rue de la Goutte d'Or",
        "75018",
        "Paris",
        slots=(DemoSlot(7, 14, 3, 2, fill=True), DemoSlot(14, 14, 3, 4)),
    ),
    DemoMission(
        "lire-ensemble",
        "Aide aux devoirs à Montparnasse",
        "Accompagner des collégiens après les cours.",
        "<p>Deux fins d'après-midi par semaine, aidez un petit groupe de collégiens à "
        "s'organiser et à réviser (français, maths).</p>",
        ("education", "enfance"),
        ("soutien-scolaire",),
        (48.8400, 2.3240),
        "12 rue de la Gaîté",
        "75014",
        "Paris",
        requires_approval=True,
        slots=weekly(2, 17, 2, 4) + weekly(4, 17, 2, 4),
    ),
    DemoMission(
        "lire-ensemble",
        "Lecture à voix haute à la Butte-aux-Cailles",
        "Lire des albums aux tout-petits à la bibliothèque.",
        "<p>Le samedi matin, lisez des histoires aux enfants de 3 à 6 ans et à leurs parents. "
        "Aucune expérience requise.</p>",
        ("education", "enfance", "culture"),
        ("animation",),
        (48.8270, 2.3500),
        "Place Paul Verlaine",
        "75013",
        "Paris",
        is_step_free=True,
        slots=weekly(5, 10, 1.5, 3),
    ),
    DemoMission(
        "lire-ensemble",
        "Soutien scolaire en visio",
        "Aider un lycéen en ligne, une heure par semaine.",
        "<p>Depuis chez vous, accompagnez un lycéen en mathématiques ou en français par "
        "visioconférence.</p>",
        ("education",),
        ("soutien-scolaire", "informatique"),
        None,
        slots=weekly(3, 18, 1, 6),
    ),
    DemoMission(
        "lire-ensemble",
        "Conversation française au Jardin des Plantes",
        "Échanger en français avec des personnes réfugiées.",
        "<p>Balade-conversation pour pratiquer le français dans un cadre détendu, en petits "
        "groupes.</p>",
        ("refugies", "education"),
        ("langues",),
        (48.8440, 2.3590),
        "57 rue Cuvier",
        "75005",
        "Paris",
        is_step_free=True,
        slots=(DemoSlot(6, 15, 2, 8), DemoSlot(20, 15, 2, 8)),
    ),
)

# --- Montréal -------------------------------------------------------------------------------------

MONTREAL_ORGANIZATIONS = (
    DemoOrganization(
        "plateau-entraide",
        "Entraide du Plateau",
        "association",
        "<p>Popote roulante, épicerie solidaire et visites d'amitié pour les aînés du "
        "Plateau-Mont-Royal.</p>",
        "4200 rue Saint-Denis, Montréal",
    ),
    DemoOrganization(
        "hochelaga-verte",
        "Hochelaga verte",
        "collectif",
        "<p>Verdissement de ruelles, jardins collectifs et corvées de propreté dans "
        "Hochelaga-Maisonneuve.</p>",
        "Marché Maisonneuve, Montréal",
    ),
    DemoOrganization(
        "accueil-nouveaux",
        "Accueil des nouveaux arrivants",
        "partner_nonprofit",
        "<p>Jumelage interculturel, francisation et aide aux démarches pour les personnes "
        "nouvellement arrivées.</p>",
        "1000 rue Sherbrooke Est, Montréal",
    ),
)

MONTREAL_MISSIONS = (
    DemoMission(
        "plateau-entraide",
        "Popote roulante au Plateau",
        "Livrer des repas chauds à des aînés du quartier.",
        "<p>En équipe de deux, livrez une douzaine de repas à pied ou en voiture et prenez le "
        "temps de jaser avec chaque personne.</p>",
        ("seniors", "alimentation"),
        ("conduite",),
        (45.5271, -73.5696),
        "Parc La Fontaine, 3933 avenue du Parc-La Fontaine",
        "H2L 0C7",
        "Montréal",
        slots=weekly(1, 11, 2, 6),
    ),
    DemoMission(
        "plateau-entraide",
        "Épicerie solidaire du Mile End",
        "Tenir la caisse et regarnir les tablettes.",
        "<p>Accueil des membres, mise en tablette et caisse à l'épicerie solidaire. "
        "<em>Ambiance garantie.</em></p>",
        ("alimentation", "solidarite"),
        ("accueil", "logistique"),
        (45.5236, -73.6006),
        "5500 boulevard Saint-Laurent",
        "H2T 1S6",
        "Montréal",
        is_step_free=True,
        slots=(DemoSlot(3, 13, 4, 2, fill=True), DemoSlot(10, 13, 4, 5)),
    ),
    DemoMission(
        "plateau-entraide",
        "Visites d'amitié à Rosemont",
        "Rendre visite chaque semaine à une personne âgée isolée.",
        "<p>Une heure de conversation, une promenade ou un café : un lien qui compte. Jumelage "
        "après une courte rencontre.</p>",
        ("seniors",),
        (),
        (45.5480, -73.5750),
        "Promenade Masson",
        "H1Y 1S4",
        "Montréal",
        requires_approval=True,
        slots=(DemoSlot(capacity=10, ongoing=True),),
    ),
    DemoMission(
        "hochelaga-verte",
        "Ruelle verte à Hochelaga",
        "Planter et entretenir une ruelle verte.",
        "<p>Plantation de vivaces, installation de bacs et peinture au sol avec les voisins de "
        "la ruelle.</p>",
        ("environnement",),
        ("jardinage", "bricolage"),
        (45.5530, -73.5400),
        "Marché Maisonneuve, 4445 rue Ontario Est",
        "H1V 3V3",
        "Montréal",
        is_open_to_minors=True,
        slots=weekly(5, 9, 3, 15),
    ),
    DemoMission(
        "hochelaga-verte",
        "Corvée de nettoyage au Vieux-Port",
        "Ramasser les déchets le long du fleuve.",
        "<p>Grande corvée au bord du Saint-Laurent : gants, sacs et collations fournis.</p>",
        ("environnement",),
        (),
        (45.5075, -73.5530),
        "Quai de l'Horloge, Vieux-Port",
        "H2Y 4B2",
        "Montréal",
        is_step_free=True,
        is_open_to_minors=True,
        slots=(DemoSlot(6, 10, 3, 40), DemoSlot(20, 10, 3, 40)),
    ),
    DemoMission(
        "hochelaga-verte",
        "Jardin collectif à Villeray",
        "Cultiver des légumes partagés au parc Jarry.",
        "<p>Semis, arrosage et récolte ; les légumes vont aux familles du quartier.</p>",
        ("environnement", "alimentation"),
        ("jardinage",),
        (45.5340, -73.6280),
        "Parc Jarry",
        "H2R 2Z2",
        "Montréal",
        slots=weekly(2, 18, 2, 8),
    ),
    DemoMission(
        "hochelaga-verte",
        "Atelier vélo à Saint-Henri",
        "Réparer des vélos donnés pour des jeunes du quartier.",
        "<p>Remise en état de vélos usagés, offerts ensuite à des jeunes du quartier.</p>",
        ("sport", "enfance"),
        ("bricolage",),
        (45.4790, -73.5770),
        "Marché Atwater, 138 avenue Atwater",
        "H4C 2H6",
        "Montréal",
        slots=(DemoSlot(4, 18, 3, 2, fill=True), DemoSlot(11, 18, 3, 4)),
    ),
    DemoMission(
        "accueil-nouveaux",
        "Jumelage interculturel à Verdun",
        "Accompagner une famille nouvellement arrivée.",
        "<p>Faire découvrir le quartier, les services et la vie montréalaise à une famille, "
        "quelques heures par mois.</p>",
        ("refugies", "solidarite"),
        ("langues",),
        (45.4580, -73.5690),
        "Rue Wellington",
        "H4G 1V1",
        "Montréal",
        requires_approval=True,
        is_beginner_friendly=False,
        slots=(DemoSlot(8, 14, 2, 6),),
    ),
    DemoMission(
        "accueil-nouveaux",
        "Ateliers de francisation au centre-ville",
        "Animer des conversations en français pour adultes.",
        "<p>Des groupes de conversation de niveau débutant à avancé, avec un guide "
        "d'animation.</p>",
        ("refugies", "education"),
        ("animation", "langues"),
        (45.5088, -73.5650),
        "Place des Arts",
        "H2X 1Z9",
        "Montréal",
        is_step_free=True,
        slots=weekly(2, 19, 1.5, 10),
    ),
    DemoMission(
        "accueil-nouveaux",
        "Aide aux démarches en ligne",
        "Aider à remplir des formulaires administratifs, à distance.",
        "<p>Par téléphone ou visio, accompagnez une personne dans ses démarches en ligne "
        "(assurance maladie, logement).</p>",
        ("refugies", "solidarite"),
        ("informatique",),
        None,
        slots=weekly(3, 10, 2, 5),
    ),
)

# --- Acme Corp ------------------------------------------------------------------------------------

ACME_ORGANIZATIONS = (
    DemoOrganization(
        "acme-green-team",
        "Acme Green Team",
        "company_team",
        "<p>Colleagues who clean up, plant and repair around our La Défense campus.</p>",
        "Tour Acme, 1 parvis de La Défense, 92800 Puteaux",
    ),
    DemoOrganization(
        "acme-mentoring",
        "Acme Mentoring Circle",
        "company_team",
        "<p>Acme people who coach students and job seekers, on site and online.</p>",
        "Tour Acme, 1 parvis de La Défense, 92800 Puteaux",
    ),
    DemoOrganization(
        "restos-92",
        "Restos du Cœur Hauts-de-Seine",
        "partner_nonprofit",
        "<p>Our partner nonprofit: food aid and social support in the Hauts-de-Seine.</p>",
        "Rue des Fontenelles, 92000 Nanterre",
        "https://www.restosducoeur.org",
    ),
)

ACME_MISSIONS = (
    DemoMission(
        "acme-green-team",
        "Litter pick on the La Défense esplanade",
        "A lunchtime clean-up with your team.",
        "<p>One hour at lunchtime: gloves, grabbers and bags provided. Meet at the Grande "
        "Arche steps.</p>",
        ("environnement",),
        (),
        (48.8924, 2.2369),
        "Parvis de La Défense",
        "92800",
        "Puteaux",
        is_step_free=True,
        slots=weekly(2, 12, 1, 20),
    ),
    DemoMission(
        "acme-green-team",
        "Tree planting on the Île de Puteaux",
        "Plant young trees with the city's park rangers.",
        "<p>A morning outdoors with the park rangers: digging, planting and mulching. Boots "
        "recommended.</p>",
        ("environnement",),
        ("jardinage",),
        (48.8830, 2.2420),
        "Île de Puteaux",
        "92800",
        "Puteaux",
        slots=(DemoSlot(9, 9, 3, 2, fill=True), DemoSlot(16, 9, 3, 12)),
    ),
    DemoMission(
        "acme-green-team",
        "Repair café in Courbevoie",
        "Fix lamps, toasters and bikes with neighbours.",
        "<p>Bring your screwdriver skills: we repair small appliances with their owners instead "
        "of throwing them away.</p>",
        ("environnement",),
        ("bricolage",),
        (48.8970, 2.2530),
        "Place Charras",
        "92400",
        "Courbevoie",
        is_step_free=True,
        slots=weekly(5, 14, 3, 6, times=2),
    ),
    DemoMission(
        "acme-mentoring",
        "Mock interviews for students in Nanterre",
        "Help university students rehearse job interviews.",
        "<p>Two hours of mock interviews with final-year students, with a feedback grid "
        "provided.</p>",
        ("education",),
        ("communication",),
        (48.8930, 2.2160),
        "Parc André Malraux",
        "92000",
        "Nanterre",
        requires_approval=True,
        slots=(DemoSlot(6, 14, 2, 8), DemoSlot(13, 14, 2, 8)),
    ),
    DemoMission(
        "acme-mentoring",
        "Online CV review for job seekers",
        "Review CVs and cover letters by video call.",
        "<p>From your desk: 45-minute video calls with job seekers supported by our partner "
        "nonprofit.</p>",
        ("solidarite", "education"),
        ("communication",),
        None,
        slots=weekly(1, 17, 1, 5),
    ),
    DemoMission(
        "acme-mentoring",
        "Coding club for teenagers in Batignolles",
        "Teach Scratch and Python basics to teenagers.",
        "<p>Wednesday afternoons at the community centre: small groups, ready-made lesson "
        "plans.</p>",
        ("education", "enfance"),
        ("informatique", "animation"),
        (48.8870, 2.3160),
        "Parc Martin Luther King",
        "75017",
        "Paris",
        is_step_free=True,
        slots=weekly(3, 14, 2, 4),
    ),
    DemoMission(
        "acme-mentoring",
        "Long-term mentoring of a young graduate",
        "Meet a young graduate once a month, online or on site.",
        "<p>A six-month mentoring relationship: career advice, network, confidence.</p>",
        ("education", "solidarite"),
        ("communication",),
        None,
        requires_approval=True,
        slots=(DemoSlot(capacity=10, ongoing=True),),
    ),
    DemoMission(
        "restos-92",
        "Food bank sorting in Nanterre",
        "Sort donations and prepare food parcels.",
        "<p>At the Nanterre centre: sorting, packing and handing out parcels. Closed shoes "
        "required.</p>",
        ("alimentation", "solidarite"),
        ("logistique",),
        (48.8920, 2.2070),
        "Rue des Fontenelles",
        "92000",
        "Nanterre",
        is_open_to_minors=True,
        slots=weekly(4, 9, 3, 10),
    ),
    DemoMission(
        "restos-92",
        "Evening soup run near Porte Maillot",
        "Serve hot meals to people sleeping rough.",
        "<p>An evening outreach round with the partner's regular volunteers.</p>",
        ("solidarite", "alimentation"),
        ("accueil",),
        (48.8780, 2.2830),
        "Place de la Porte Maillot",
        "75017",
        "Paris",
        slots=(DemoSlot(2, 19, 2, 2, fill=True), DemoSlot(9, 19, 2, 6)),
    ),
    DemoMission(
        "restos-92",
        "Translation of leaflets into English and Arabic",
        "Translate information leaflets for the food aid centres.",
        "<p>Remote, at your pace: short leaflets about opening hours and rights.</p>",
        ("refugies", "solidarite"),
        ("langues",),
        None,
        slots=(DemoSlot(capacity=4, ongoing=True),),
    ),
)

CONTENT: dict[str, tuple[tuple[DemoOrganization, ...], tuple[DemoMission, ...]]] = {
    "paris": (PARIS_ORGANIZATIONS, PARIS_MISSIONS),
    "montreal": (MONTREAL_ORGANIZATIONS, MONTREAL_MISSIONS),
    "acme": (ACME_ORGANIZATIONS, ACME_MISSIONS),
}
