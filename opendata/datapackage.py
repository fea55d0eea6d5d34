"""The Frictionless Data Package (v1 descriptor, read by v2 tools) of the CSV downloads.

Built from the export columns (reports.exports): their keys, kinds and descriptions are
the field names, types and descriptions here, so the package cannot drift from the
files. Every dataset appears twice, as plain UTF-8 CSV and as the German-Excel variant
(semicolon, decimal comma, German dates, "ja"/"nein", byte-order mark).
"""

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from factors.catalogue import PRESS_RELEASE
from jobcenters.models import STATUS_VALUES
from reports import exports

from .operator import operator

BKG_URL = "https://www.bkg.bund.de"

# Short column titles (the long meaning is the column's description in exports).
TITLES = {
    "jobcenter": _("Jobcenter"),
    "ags": _("AGS"),
    "factor_number": _("Factor number"),
    "factor_title": _("Factor"),
    "theme": _("Theme"),
    "theme_number": _("Theme number"),
    "status": _("Status"),
    "status_label": _("Status (German)"),
    "progress": _("Progress (%)"),
    "not_applicable_reason": _("Reason (not applicable)"),
    "public_note": _("Public note"),
    "target_date": _("Target date"),
    "last_update": _("Last change"),
    "is_demo": _("Demo data"),
    "regierungsbezirk": _("Regierungsbezirk"),
    "total": _("Entries"),
    "applicable": _("Applicable"),
    "reported": _("Reported"),
    "done_share": _("Implemented (%)"),
}
COUNT_TITLE = _("Count: %(status)s")

# Keys of each table; the matrix refers to the factor and jobcenter tables.
PRIMARY_KEYS = {
    "matrix": ["ags", "factor_number"],
    "faktoren": ["factor_number"],
    "jobcenter": ["ags"],
    "handlungsfelder": ["theme_number"],
}
FOREIGN_KEYS = {
    "matrix": [("factor_number", "faktoren"), ("ags", "jobcenter")],
}


# Per export column kind: the Frictionless type and format of the plain CSV and of the
# German-Excel CSV (reports.exports._converters writes them so).
FIELD_TYPES = {
    "text": ({"type": "string"}, {"type": "string"}),
    "int": ({"type": "integer"}, {"type": "integer"}),
    "float": ({"type": "number"}, {"type": "number", "decimalChar": ","}),
    "bool": (
        {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]},
        {"type": "boolean", "trueValues": ["ja"], "falseValues": ["nein"]},
    ),
    "date": ({"type": "date"}, {"type": "date", "format": "%d.%m.%Y"}),
    "datetime": (
        {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"},
        {"type": "datetime", "format": "%d.%m.%Y %H:%M"},
    ),
}


def _both(text):
    """(German, English) of a lazy text."""
    with translation.override("de"):
        german = str(text)
    with translation.override("en"):
        english = str(text)
    return german, english


def _title(key):
    if key.startswith("count_"):
        status = key.removeprefix("count_")
        titles = []
        for language in ("de", "en"):
            with translation.override(language):
                titles.append(str(COUNT_TITLE) % {"status": status})
        return tuple(titles)
    return _both(TITLES[key])


def _field(column, *, excel):
    title_de, title_en = _title(column.key)
    description_de, description_en = _both(column.description)
    field = {
        "name": column.key,
        "title": title_de,
        "description": description_de,
        # German first; the English wording alongside (Frictionless keeps extra keys).
        "titles": {"de": title_de, "en": title_en},
        "descriptions": {"de": description_de, "en": description_en},
    }
    plain, german_excel = FIELD_TYPES[column.kind]
    field.update(german_excel if excel else plain)
    constraints = {}
    if column.key == "status":
        constraints["enum"] = list(STATUS_VALUES)
    if column.key == "ags":
        constraints["pattern"] = "[0-9]{5}"
    if column.key in ("progress", "done_share"):
        constraints.update(minimum=0, maximum=100)
    if column.key in PRIMARY_KEYS["matrix"] or column.key in ("theme_number", "status"):
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def _resource_name(slug, excel):
    return f"{slug}-excel" if excel else slug


def _resource(request, slug, title, columns, *, excel):
    urls = exports.download_urls(slug)
    title_de, title_en = _both(title)
    schema = {
        "fields": [_field(c, excel=excel) for c in columns],
        "primaryKey": PRIMARY_KEYS[slug],
    }
    foreign = FOREIGN_KEYS.get(slug)
    if foreign:
        schema["foreignKeys"] = [
            {
                "fields": field,
                "reference": {"resource": _resource_name(target, excel), "fields": field},
            }
            for field, target in foreign
        ]
    resource = {
        "name": _resource_name(slug, excel),
        "title": title_de + (" (Excel)" if excel else ""),
        "titles": {"de": title_de, "en": title_en},
        "path": request.build_absolute_uri(urls["excel" if excel else "csv"]),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        # The BOM of the Excel variant: utf-8-sig reads it, plain utf-8 keeps it as text.
        "encoding": "utf-8-sig" if excel else "utf-8",
        "dialect": {"delimiter": ";" if excel else ",", "lineTerminator": "\r\n"},
        "schema": schema,
    }
    return resource


def package(request, *, changed_at):
    """The datapackage.json descriptor as a dict."""
    op = operator()
    resources = [
        _resource(request, slug, title, columns, excel=excel)
        for excel in (False, True)
        for slug, (title, columns) in exports.DATASETS.items()
    ]
    contributor = {"title": op["name"], "role": "publisher"}
    if op["email"]:
        contributor["email"] = op["email"]
    return {
        "profile": "tabular-data-package",
        "name": "kjc-monitor",
        "title": "KJC Monitor – Umsetzungsstand der Gelingensfaktoren",
        "titles": {
            "de": "KJC Monitor – Umsetzungsstand der Gelingensfaktoren",
            "en": "KJC Monitor – implementation status of the success factors",
        },
        "description": (
            "Selbstauskunft der Kommunalen Jobcenter in Hessen zum Umsetzungsstand der "
            "35 Gelingensfaktoren; Demo-Daten sind in der Spalte is_demo gekennzeichnet."
        ),
        "homepage": request.build_absolute_uri(reverse("reports:open_data")),
        "created": timezone.localtime(changed_at).isoformat(timespec="seconds"),
        "licenses": [
            {
                "name": exports.LICENCE["id"],
                "path": exports.LICENCE["url"],
                "title": exports.LICENCE["name"],
            }
        ],
        "sources": [
            {"title": exports.ATTRIBUTION[0]},
            {"title": exports.ATTRIBUTION[1], "path": BKG_URL},
            {"title": PRESS_RELEASE},
        ],
        "contributors": [contributor],
        "keywords": ["Jobcenter", "Hessen", "SGB II", "Gelingensfaktoren", "Integration"],
        "resources": resources,
    }
