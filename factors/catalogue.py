"""The provisional catalogue, worded from the one public source on the plan.

The official wording of the 35 Gelingensfaktoren is not public. Only the press
release of 14.12.2018 (factors/data/press-release-2018-12-14.txt) is. Every
entry here is therefore `verified=False`; factors the release does not name are
placeholders until `manage.py import_catalogue` loads the official list.
"""

from .models import FACTOR_COUNT, Factor

PRESS_RELEASE = "Pressemitteilung HLT/HStT vom 14.12.2018"
PLACEHOLDER_SOURCE = "Platzhalter – offizieller Wortlaut liegt noch nicht vor"

A = Factor.Addressee

# (number, name, description)
THEMES = [
    (
        1,
        "Abstimmung der Sprachkurse",
        "Integrationskurse des Bundes und grundlegende wie weiterführende Sprachkurse "
        "aufeinander abstimmen.",
    ),
    (2, "Qualität der Sprachlernangebote", "Qualitätsentwicklung der Sprachlernangebote."),
    (
        3,
        "Frühzeitige Kompetenzfeststellung",
        "Kompetenzen geflüchteter Menschen frühzeitig feststellen.",
    ),
    (4, "Ehrenamt und Vernetzung", "Das Ehrenamt stärken und seine Vernetzung fördern."),
    (
        5,
        "Datenaustausch Jugendamt – Kommunales Jobcenter",
        "Transparenterer Datenaustausch zwischen Jugendämtern und Kommunalen Jobcentern.",
    ),
    (
        6,
        "Kommunale Jugendberufshilfe",
        "Niedrigschwellige, rechtskreisübergreifende Maßnahmen der kommunalen "
        "Jugendberufshilfe zur beruflichen Orientierung, Ausbildungsvorbereitung und Ausbildung.",
    ),
    (
        7,
        "Kinderbetreuung für geflüchtete Frauen",
        "Ortsnahe Kinderbetreuung parallel zu Integrations- und Sprachkursen.",
    ),
    (
        8,
        "Junge Menschen von Anfang an",
        "Jungen Menschen, gleich welcher Herkunft, von Anfang an Aufmerksamkeit schenken.",
    ),
    (
        9,
        "Weitere Gelingensfaktoren",
        "Gelingensfaktoren, deren Wortlaut noch aus dem offiziellen Dokument zu übernehmen ist.",
    ),
]

# (number, theme number, title, description, addressee) — each worded from the press release.
NAMED_FACTORS = [
    (
        1,
        1,
        "Integrationskurse des Bundes mit grundlegenden und weiterführenden Sprachkursen abstimmen",
        "Abstimmung zwischen Integrationskursen des Bundes und den grundlegenden und "
        "weiterführenden Sprachkursen.",
        A.SEVERAL,
    ),
    (
        2,
        2,
        "Qualität der Sprachlernangebote weiterentwickeln",
        "Qualitätsentwicklung der Sprachlernangebote.",
        A.SEVERAL,
    ),
    (
        3,
        3,
        "Kompetenzen frühzeitig feststellen",
        "Frühzeitige Feststellung von Kompetenzen.",
        A.KOMMUNE,
    ),
    (4, 4, "Ehrenamt stärken", "Stärkung des Ehrenamtes.", A.KOMMUNE),
    (5, 4, "Ehrenamt vernetzen", "Vernetzung des Ehrenamtes.", A.KOMMUNE),
    (
        6,
        5,
        "Datenaustausch zwischen Jugendämtern und Kommunalen Jobcentern transparenter gestalten",
        "Transparenterer Datenaustausch zwischen Jugendämtern und Kommunalen Jobcentern.",
        A.SEVERAL,
    ),
    (
        7,
        6,
        "Angebot der Jugendberufshilfe ausweiten",
        "Ausweitung des Angebotes der Jugendberufshilfe.",
        A.KOMMUNE,
    ),
    (
        8,
        6,
        "Berufliche Orientierung über die Jugendberufshilfe nutzen",
        "Niedrigschwellige, rechtskreisübergreifende Maßnahmen der kommunalen Jugendberufshilfe "
        "zur beruflichen Orientierung optimal nutzen.",
        A.KOMMUNE,
    ),
    (
        9,
        6,
        "Ausbildungsvorbereitung über die Jugendberufshilfe nutzen",
        "Niedrigschwellige, rechtskreisübergreifende Maßnahmen der kommunalen Jugendberufshilfe "
        "zur Ausbildungsvorbereitung optimal nutzen.",
        A.KOMMUNE,
    ),
    (
        10,
        6,
        "Ausbildung über die Jugendberufshilfe nutzen",
        "Niedrigschwellige, rechtskreisübergreifende Maßnahmen der kommunalen Jugendberufshilfe "
        "zur Ausbildung optimal nutzen.",
        A.KOMMUNE,
    ),
    (
        11,
        7,
        "Ortsnahe Kinderbetreuung parallel zu Integrations- und Sprachkursen bereitstellen",
        "Bereitstellung von ortsnahen und parallel zu Integrations- und Sprachkursen angebotenen "
        "Kinderbetreuungsmöglichkeiten, besonders für geflüchtete Frauen.",
        A.SEVERAL,
    ),
    (
        12,
        8,
        "Junge Menschen von Anfang an begleiten",
        "Junge Menschen, gleich welcher Herkunft, brauchen von Anfang an die ganze Aufmerksamkeit.",
        A.KOMMUNE,
    ),
]

PLACEHOLDER_THEME = 9


def provisional_factors():
    """All 35 factors: the named ones, then placeholders for the rest."""
    named = {number: rest for number, *rest in NAMED_FACTORS}
    for number in range(1, FACTOR_COUNT + 1):
        if number in named:
            theme, title, description, addressee = named[number]
            yield number, theme, title, description, addressee, PRESS_RELEASE
        else:
            yield (
                number,
                PLACEHOLDER_THEME,
                f"Gelingensfaktor {number} – Wortlaut folgt",
                "",
                A.KOMMUNE,
                PLACEHOLDER_SOURCE,
            )
