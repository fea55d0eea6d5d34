"""The OpenAPI 3.1 description of /api/v1/, kept by hand next to the API it describes.

The row schemas are built from the export columns (reports.exports), so a new column
appears here without a second list; the tests check the document against the live API
with Schemathesis.
"""

from django.urls import reverse
from django.utils import translation

from factors.models import FACTOR_COUNT
from jobcenters.models import STATUS_VALUES
from reports import api, exports
from reports.forms import EARLIEST_DATE, MAX_PAGE

from .operator import operator

_KINDS = {
    "text": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": ["number", "null"]},
    "bool": {"type": "boolean"},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
}


def _english(text):
    with translation.override("en"):
        return str(text)


def row_schema(columns):
    properties = {}
    for column in columns:
        schema = {**_KINDS[column.kind], "description": _english(column.description)}
        if column.nullable and "null" not in schema["type"]:
            schema["type"] = [schema["type"], "null"]
        if column.key == "status":
            schema["enum"] = list(STATUS_VALUES)
        properties[column.key] = schema
    return {
        "type": "object",
        "properties": properties,
        "required": [c.key for c in columns],
    }


_ERROR = {"$ref": "#/components/responses/Error"}

_STICHTAG = {
    "name": "stichtag",
    "in": "query",
    "required": False,
    "description": (
        "The state as of the end of this day (ISO date, not in the future, "
        f"not before {EARLIEST_DATE.isoformat()}). Without it: the current state."
    ),
    "schema": {"type": "string", "format": "date"},
}
_FAKTOR = {
    "name": "faktor",
    "in": "query",
    "required": False,
    "description": "Only this success factor (its number).",
    "schema": {"type": "integer", "minimum": 1, "maximum": FACTOR_COUNT},
}
_JOBCENTER = {
    "name": "jobcenter",
    "in": "query",
    "required": False,
    "description": "Only this jobcenter, by the Kreisschlüssel (AGS) of its district.",
    "schema": {"type": "string", "pattern": "^[0-9]{5}$"},
}
_SEITE = {
    "name": "seite",
    "in": "query",
    "required": False,
    "description": (
        f"Page number, {api.MATRIX_PAGE_SIZE} rows per page. A page past the end "
        "answers 404 with an error body."
    ),
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
}


def _ok(description, schema_ref):
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "Weak validator."},
        },
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def document(request):
    """The OpenAPI document as a dict; absolute URLs from the request."""
    op = operator()
    contact = {"name": op["name"], "url": request.build_absolute_uri(reverse("public:contact"))}
    if op["email"]:
        contact["email"] = op["email"]
    meta_properties = {
        "dataset": {"type": "string"},
        "as_of": {"type": ["string", "null"], "format": "date"},
        # The data's one "Stand": the latest released change (null without any).
        "stand": {"type": ["string", "null"], "format": "date-time"},
        "last_modified": {"type": ["string", "null"], "format": "date-time"},
        "licence": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "id": {"type": "string", "const": exports.LICENCE["id"]},
                "url": {"type": "string", "format": "uri"},
            },
            "required": ["name", "id", "url"],
        },
        "attribution": {"type": "array", "items": {"type": "string"}},
    }
    meta = {
        "type": "object",
        "properties": meta_properties,
        "required": list(meta_properties),
    }
    page_url = {"type": ["string", "null"], "format": "uri"}
    matrix_meta = {
        "allOf": [
            {"$ref": "#/components/schemas/Meta"},
            {
                "type": "object",
                "properties": {
                    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                    "page_size": {"type": "integer", "const": api.MATRIX_PAGE_SIZE},
                    "next": page_url,
                    "previous": page_url,
                },
                "required": ["page", "page_size", "next", "previous"],
            },
        ]
    }
    status_row = {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": list(STATUS_VALUES)},
            "status_label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
        },
        "required": ["status", "status_label", "count"],
    }

    def rows(name):
        return {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KJC Monitor API",
            "version": "1",
            "summary": "Implementation status of the success factors of the Kommunale "
            "Jobcenter in Hesse (read-only, open data).",
            "description": (
                "Read-only JSON. No key, no sign-in; any site may call it from a browser "
                "(CORS). Conditional GET with ETag/If-None-Match answers 304 while the "
                "data is unchanged. Errors are JSON objects with one `error` text."
            ),
            "license": {"name": exports.LICENCE["name"], "url": exports.LICENCE["url"]},
            "contact": contact,
        },
        "servers": [{"url": request.build_absolute_uri("/").rstrip("/")}],
        "externalDocs": {
            "description": "Open data page (German)",
            "url": request.build_absolute_uri(reverse("reports:open_data")),
        },
        "paths": {
            "/api/v1/": {
                "get": {
                    "operationId": "index",
                    "summary": "What the API offers and where it is documented.",
                    "responses": {
                        "200": {
                            "description": "The endpoints, parameters and the licence.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Index"}
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/matrix": {
                "get": {
                    "operationId": "matrix",
                    "summary": "One row per jobcenter and factor, paged.",
                    "parameters": [_STICHTAG, _FAKTOR, _JOBCENTER, _SEITE],
                    "responses": {
                        "200": _ok("A page of the matrix.", "#/components/schemas/Matrix"),
                        "304": {"description": "Not modified (If-None-Match matched)."},
                        "400": _ERROR,
                        "404": _ERROR,
                    },
                }
            },
            "/api/v1/aggregates": {
                "get": {
                    "operationId": "aggregates",
                    "summary": "Counts and shares per status, factor, jobcenter and theme.",
                    "parameters": [_STICHTAG],
                    "responses": {
                        "200": _ok("The aggregates.", "#/components/schemas/Aggregates"),
                        "304": {"description": "Not modified (If-None-Match matched)."},
                        "400": _ERROR,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string", "minLength": 1}},
                    "required": ["error"],
                },
                "Meta": meta,
                "MatrixMeta": matrix_meta,
                "MatrixRow": row_schema(exports.MATRIX_COLUMNS),
                "FactorRow": row_schema(exports.FACTOR_COLUMNS),
                "JobcenterRow": row_schema(exports.JOBCENTER_COLUMNS),
                "ThemeRow": row_schema(exports.THEME_COLUMNS),
                "StatusRow": status_row,
                "Matrix": {
                    "type": "object",
                    "properties": {
                        "meta": {"$ref": "#/components/schemas/MatrixMeta"},
                        "data": rows("MatrixRow"),
                    },
                    "required": ["meta", "data"],
                },
                "Aggregates": {
                    "type": "object",
                    "properties": {
                        "meta": {"$ref": "#/components/schemas/Meta"},
                        "by_status": rows("StatusRow"),
                        "by_factor": rows("FactorRow"),
                        "by_jobcenter": rows("JobcenterRow"),
                        "by_theme": rows("ThemeRow"),
                    },
                    "required": ["meta", "by_status", "by_factor", "by_jobcenter", "by_theme"],
                },
                "Index": {
                    "type": "object",
                    "properties": {
                        "endpoints": {
                            "type": "object",
                            "additionalProperties": {"type": "string", "format": "uri"},
                        },
                        "parameters": {"type": "array", "items": {"type": "string"}},
                        "documentation": {"type": "string", "format": "uri"},
                        "openapi": {"type": "string", "format": "uri"},
                        "licence": meta_properties["licence"],
                        "attribution": meta_properties["attribution"],
                    },
                    "required": ["endpoints", "documentation", "openapi", "licence"],
                },
            },
            "responses": {
                "Error": {
                    "description": "Bad parameter (400) or nothing there (404).",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }
