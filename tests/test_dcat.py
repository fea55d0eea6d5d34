"""The DCAT-AP.de catalogue: parsed with rdflib, mandatory properties, working links."""

from urllib.parse import urlsplit

from django.test import TestCase
from django.urls import reverse
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from opendata.dcat import DCATDE, LICENCE_URI, THEMES

from .opendata_data import make_open_data

# What DCAT-AP.de (2.0) marks mandatory ("Pflicht"), plus the recommended properties
# issue 12 asks for.
CATALOG_MANDATORY = [DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset]
DATASET_MANDATORY = [DCTERMS.title, DCTERMS.description]
DATASET_ASKED = [
    DCTERMS.publisher,
    DCAT.contactPoint,
    DCTERMS.modified,
    DCAT.theme,
    DCATDE.politicalGeocodingURI,
    DCAT.distribution,
]
DISTRIBUTION_MANDATORY = [DCAT.accessURL, DCTERMS.license]
SERVICE_MANDATORY = [DCTERMS.title, DCAT.endpointURL]


class CatalogueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_open_data(variety=False)

    def graph(self, fmt="ttl", rdf_format="turtle"):
        response = self.client.get(reverse("opendata:catalogue", args=[fmt]))
        self.assertEqual(response.status_code, 200)
        return Graph().parse(data=response.content, format=rdf_format)

    def assert_has(self, graph, subject, predicates):
        for predicate in predicates:
            self.assertIsNotNone(graph.value(subject, predicate), f"{subject} lacks {predicate}")

    def test_mandatory_properties(self):
        g = self.graph()
        (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
        self.assert_has(g, catalog, CATALOG_MANDATORY)
        datasets = list(g.objects(catalog, DCAT.dataset))
        self.assertEqual(len(datasets), 4)  # one per published table
        for dataset in datasets:
            self.assertIn((dataset, RDF.type, DCAT.Dataset), g)
            self.assert_has(g, dataset, DATASET_MANDATORY + DATASET_ASKED)
            languages = {t.language for t in g.objects(dataset, DCTERMS.title)}
            self.assertEqual(languages, {"de", "en"})
            self.assertEqual(
                set(g.objects(dataset, DCAT.theme)), {THEMES.SOCI, THEMES.GOVE}, dataset
            )
            self.assertEqual(g.value(dataset, DCTERMS.license), LICENCE_URI)
            distributions = list(g.objects(dataset, DCAT.distribution))
            self.assertEqual(len(distributions), 3)  # CSV, CSV for Excel, JSON
            for distribution in distributions:
                self.assert_has(g, distribution, DISTRIBUTION_MANDATORY + [DCTERMS.format])
                self.assertEqual(g.value(distribution, DCTERMS.license), LICENCE_URI)
        (service,) = g.subjects(RDF.type, DCAT.DataService)
        self.assert_has(g, service, SERVICE_MANDATORY + [DCAT.endpointDescription])

    def test_political_geocoding_for_hesse_and_each_district(self):
        g = self.graph()
        hesse = URIRef("http://dcat-ap.de/def/politicalGeocoding/stateKey/06")
        matrix = URIRef("http://testserver/daten/#matrix")
        codes = set(g.objects(matrix, DCATDE.politicalGeocodingURI))
        self.assertEqual(
            codes,
            {
                hesse,
                URIRef("http://dcat-ap.de/def/politicalGeocoding/districtKey/06414"),
                URIRef("http://dcat-ap.de/def/politicalGeocoding/districtKey/06438"),
            },
        )
        themes = URIRef("http://testserver/daten/#handlungsfelder")
        self.assertEqual(set(g.objects(themes, DCATDE.politicalGeocodingURI)), {hesse})

    def test_publisher_and_contact_from_the_operator_settings(self):
        with self.settings(
            KJC_OPERATOR_NAME="Koordinierungsstelle KJC", KJC_OPERATOR_EMAIL="k@x.de"
        ):
            g = self.graph()
        (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
        publisher = g.value(catalog, DCTERMS.publisher)
        self.assertIn(
            "Koordinierungsstelle KJC",
            str(g.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))),
        )
        vcard = "http://www.w3.org/2006/vcard/ns#"
        contacts = set(g.objects(None, DCAT.contactPoint))
        self.assertEqual(len(contacts), 1)
        (contact,) = contacts
        self.assertEqual(g.value(contact, URIRef(vcard + "hasEmail")), URIRef("mailto:k@x.de"))

    def test_every_access_and_download_url_answers(self):
        g = self.graph()
        urls = {
            str(o)
            for p in (DCAT.accessURL, DCAT.downloadURL, DCAT.endpointURL, DCAT.endpointDescription)
            for o in g.objects(None, p)
        }
        self.assertEqual(len(urls), 4 * 3 + 2)
        for url in sorted(urls):
            parts = urlsplit(url)
            with self.subTest(url):
                response = self.client.get(parts.path, query_string=parts.query)
                self.assertEqual(response.status_code, 200)

    def test_rdf_xml_and_json_ld_say_the_same(self):
        turtle = self.graph()
        for fmt, rdf_format in (("rdf", "xml"), ("jsonld", "json-ld")):
            with self.subTest(fmt):
                self.assertEqual(len(self.graph(fmt, rdf_format)), len(turtle))

    def test_unknown_format_is_404(self):
        self.assertEqual(self.client.get("/daten/katalog.xml").status_code, 404)
