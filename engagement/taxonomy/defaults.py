"""Default causes and skills every new tenant starts with (labels in French and English)."""

DEFAULT_CAUSES: tuple[tuple[str, str, str, str], ...] = (
    # slug, French, English, icon
    ("solidarite", "Solidarité et lutte contre l'exclusion", "Solidarity and inclusion", "hands"),
    ("environnement", "Environnement et nature", "Environment and nature", "leaf"),
    ("education", "Éducation et soutien scolaire", "Education and tutoring", "book"),
    ("sante", "Santé et bien-être", "Health and well-being", "heart"),
    ("seniors", "Personnes âgées", "Older people", "elder"),
    ("enfance", "Enfance et jeunesse", "Children and youth", "child"),
    ("culture", "Culture et patrimoine", "Culture and heritage", "palette"),
    ("sport", "Sport pour tous", "Sport for all", "ball"),
    ("handicap", "Handicap et inclusion", "Disability and inclusion", "access"),
    ("alimentation", "Aide alimentaire", "Food aid", "bowl"),
    ("refugies", "Accueil des réfugiés", "Welcoming refugees", "home"),
    ("animaux", "Protection animale", "Animal welfare", "paw"),
)

# The UN Sustainable Development Goals each default cause serves (engagement.reports.sdg).
DEFAULT_CAUSE_SDG_GOALS: dict[str, tuple[int, ...]] = {
    "solidarite": (1, 10),
    "environnement": (13, 15),
    "education": (4,),
    "sante": (3,),
    "seniors": (3, 10),
    "enfance": (4, 10),
    "culture": (11,),
    "sport": (3,),
    "handicap": (10,),
    "alimentation": (2,),
    "refugies": (10,),
    "animaux": (15,),
}

DEFAULT_SKILLS: tuple[tuple[str, str, str], ...] = (
    ("cuisine", "Cuisine", "Cooking"),
    ("conduite", "Conduite (permis B)", "Driving (car licence)"),
    ("soutien-scolaire", "Soutien scolaire", "Tutoring"),
    ("bricolage", "Bricolage", "DIY and repairs"),
    ("informatique", "Informatique", "IT and computers"),
    ("langues", "Langues étrangères", "Foreign languages"),
    ("communication", "Communication", "Communication"),
    ("accueil", "Accueil du public", "Welcoming the public"),
    ("logistique", "Logistique", "Logistics"),
    ("premiers-secours", "Premiers secours", "First aid"),
    ("jardinage", "Jardinage", "Gardening"),
    ("animation", "Animation d'ateliers", "Running workshops"),
)
