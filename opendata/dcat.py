"""The DCAT-AP.de catalogue of the open data, for GovData and other harvesters.

One dcat:Dataset per published table, a dcat:Distribution per download format, the JSON
API as a dcat:DataService. Built as an rdflib graph, so Turtle, RDF/XML and JSON-LD are
the same statements.
"""

from django.urls import reverse
from django.utils import translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from reports import exports

from .operator import operator

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LICENCE_URI = URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
THEMES = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
FILE_TYPES = Namespace("http://publications.europa.eu/resource/authority/file-type/")
LANGUAGES = Namespace("http://publications.europa.eu/resource/authority/language/")
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
GEOCODING_LEVEL = URIRef("http://dcat-ap.de/def/politicalGeocodingLevel/state")
HESSE = URIRef(GEOCODING + "stateKey/06")
CONTRIBUTOR_ID = URIRef("http://dcat-ap.de/def/contributors/KJCMonitor")

# Content types of the serialisations rdflib writes.
FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}

# Tables with one row per jobcenter: they describe each district.
PER_DISTRICT = {"matrix", "jobcenter"}

_DISTRIBUTIONS = [
    ("csv", "CSV", "text/csv", "CSV (UTF-8)"),
    ("excel", "CSV", "text/csv", "CSV für Excel (Semikolon, Dezimalkomma)"),
    ("json", "JSON", "application/json", "JSON"),
]


def _titles(graph, subject, predicate, text):
    for language in ("de", "en"):
        with translation.override(language):
            graph.add((subject, predicate, Literal(str(text), lang=language)))


def graph(request, *, changed_at, district_keys):
    """The catalogue as an rdflib Graph; `district_keys`: AGS of the published districts."""
    absolute = request.build_absolute_uri
    op = operator()
    modified = Literal(changed_at.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("dcatde", DCATDE)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)

    publisher = URIRef(absolute(reverse("public:imprint")))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(op["name"])))
    contact = BNode("contact")
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(op["name"])))
    if op["email"]:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{op['email']}")))
    if op["phone"]:
        g.add((contact, VCARD.hasTelephone, Literal(op["phone"])))
    if op["address"]:
        g.add((contact, VCARD["street-address"], Literal(op["address"])))
    g.add((contact, VCARD.hasURL, URIRef(absolute(reverse("public:contact")))))

    open_data = absolute(reverse("reports:open_data"))
    catalog = URIRef(absolute(reverse("opendata:catalogue", args=["ttl"])))
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal("KJC Monitor – Offene Daten", lang="de")))
    g.add((catalog, DCTERMS.title, Literal("KJC Monitor – open data", lang="en")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            Literal(
                "Umsetzungsstand der Gelingensfaktoren in den Kommunalen Jobcentern "
                "Hessens (Selbstauskunft).",
                lang="de",
            ),
        )
    )
    g.add(
        (
            catalog,
            DCTERMS.description,
            Literal(
                "Implementation status of the success factors in the Kommunale "
                "Jobcenter of Hesse (self-reported).",
                lang="en",
            ),
        )
    )
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, URIRef(open_data)))
    g.add((catalog, DCTERMS.modified, modified))
    g.add((catalog, DCTERMS.language, LANGUAGES.DEU))
    g.add((catalog, DCTERMS.license, LICENCE_URI))

    service = URIRef(absolute(reverse("reports:api_index")))
    g.add((catalog, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("KJC Monitor API (JSON)", lang="de")))
    g.add((service, DCTERMS.title, Literal("KJC Monitor API (JSON)", lang="en")))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.endpointDescription, URIRef(absolute(reverse("opendata:openapi")))))
    g.add((service, DCTERMS.license, LICENCE_URI))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))

    for slug, (title, _columns) in exports.DATASETS.items():
        dataset = URIRef(f"{open_data}#{slug}")
        g.add((catalog, DCAT.dataset, dataset))
        g.add((service, DCAT.servesDataset, dataset))
        g.add((dataset, RDF.type, DCAT.Dataset))
        _titles(g, dataset, DCTERMS.title, title)
        g.add(
            (
                dataset,
                DCTERMS.description,
                Literal(
                    f"{_german(title)}. Selbstauskunft der Kommunalen Jobcenter in Hessen; "
                    "Demo-Daten sind gekennzeichnet.",
                    lang="de",
                ),
            )
        )
        g.add((dataset, DCTERMS.description, Literal(_english(title) + ".", lang="en")))
        g.add((dataset, DCTERMS.identifier, Literal(f"kjc-monitor-{slug}")))
        g.add((dataset, DCTERMS.publisher, publisher))
        g.add((dataset, DCAT.contactPoint, contact))
        g.add((dataset, DCTERMS.modified, modified))
        g.add((dataset, DCTERMS.license, LICENCE_URI))
        g.add((dataset, DCAT.landingPage, URIRef(open_data)))
        g.add((dataset, DCAT.theme, THEMES.SOCI))
        g.add((dataset, DCAT.theme, THEMES.GOVE))
        g.add((dataset, DCATDE.contributorID, CONTRIBUTOR_ID))
        g.add((dataset, DCATDE.politicalGeocodingLevelURI, GEOCODING_LEVEL))
        g.add((dataset, DCATDE.politicalGeocodingURI, HESSE))
        if slug in PER_DISTRICT:
            for ags in district_keys:
                g.add(
                    (dataset, DCATDE.politicalGeocodingURI, URIRef(f"{GEOCODING}districtKey/{ags}"))
                )
        for keyword in ("Jobcenter", "Hessen", "SGB II", "Gelingensfaktoren"):
            g.add((dataset, DCAT.keyword, Literal(keyword, lang="de")))
        g.add((dataset, DCATDE.maintainer, publisher))
        for variant, url in exports.download_urls(slug).items():
            _distribution(g, dataset, variant, absolute(url), modified)
    return g


def _german(text):
    with translation.override("de"):
        return str(text)


def _english(text):
    with translation.override("en"):
        return str(text)


def _distribution(g, dataset, variant, url, modified):
    file_type, media_type, label = next(
        (f, m, label) for v, f, m, label in _DISTRIBUTIONS if v == variant
    )
    distribution = URIRef(url)
    g.add((dataset, DCAT.distribution, distribution))
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, DCTERMS.title, Literal(label, lang="de")))
    g.add((distribution, DCAT.accessURL, distribution))
    g.add((distribution, DCAT.downloadURL, distribution))
    g.add((distribution, DCTERMS.format, FILE_TYPES[file_type]))
    g.add(
        (
            distribution,
            DCAT.mediaType,
            URIRef(f"https://www.iana.org/assignments/media-types/{media_type}"),
        )
    )
    g.add((distribution, DCTERMS.license, LICENCE_URI))
    g.add((distribution, DCATDE.licenseAttributionByText, Literal("; ".join(exports.ATTRIBUTION))))
    g.add((distribution, DCTERMS.modified, modified))
