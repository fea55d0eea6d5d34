"""Public datasets (matrix and aggregates) and their CSV / German-Excel CSV / JSON forms.

Only the public fields are ever selected from the database (``values()`` with an explicit
list), so internal notes, evidence links and user names cannot reach an export by accident.
"""

import csv
import io
import json
import operator
from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from factors.models import Factor, Theme
from jobcenters.models import STATUS_VALUES, Implementation, Jobcenter, Status, StatusSummary
from kjc.spreadsheet_safety import csv_text

from . import history

LICENCE = {
    "name": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "id": "dl-de/by-2-0",
    "url": "https://www.govdata.de/dl-de/by-2-0",
}
ATTRIBUTION = [
    "Daten: Selbstauskunft der Kommunalen Jobcenter, KJC Monitor",
    "Kreisdaten: © GeoBasis-DE / BKG (2021) (Daten verändert)",
]


@dataclass(frozen=True)
class Column:
    key: str
    description: object  # a lazy translation
    kind: str = "text"  # text, int, float, bool, date, datetime
    nullable: bool = False  # the value can be empty (null in JSON), e.g. unknown progress


MATRIX_COLUMNS = [
    Column("jobcenter", _("Official name of the jobcenter.")),
    Column("ags", _("Kreisschlüssel (AGS) of the district, five digits.")),
    Column("factor_number", _("Number of the success factor, 1 to 35."), "int"),
    Column("factor_title", _("Wording of the success factor (German).")),
    Column("theme", _("Theme (Handlungsfeld) the factor belongs to.")),
    Column("status", _("Status value, one of the values listed below.")),
    Column("status_label", _("Status as German text.")),
    Column(
        "progress",
        _("Progress in per cent, 0 to 100; empty (null) while not reported: unknown, not zero."),
        "int",
        nullable=True,
    ),
    Column(
        "not_applicable_reason", _("Why the factor does not apply (only for “not applicable”).")
    ),
    Column("public_note", _("Public note of the jobcenter.")),
    Column("target_date", _("Planned completion date, ISO 8601 (empty if none)."), "date"),
    Column("last_update", _("Time of the last change, ISO 8601 with offset."), "datetime"),
    Column("is_demo", _("True for invented demo data, not a real report."), "bool"),
]

_COUNT_COLUMNS = [
    Column(f"count_{s}", _("Number of entries with this status."), "int") for s in Status.values
]
_SHARE_COLUMNS = [
    Column("total", _("Number of entries."), "int"),
    Column("applicable", _("Entries minus “not applicable” (the denominator)."), "int"),
    Column("reported", _("Entries minus “not reported”."), "int"),
    Column(
        "done_share",
        _("Implemented entries as a share of the applicable ones, in per cent (1 decimal)."),
        "float",
    ),
]
FACTOR_COLUMNS = [
    Column("factor_number", _("Number of the success factor, 1 to 35."), "int"),
    Column("factor_title", _("Wording of the success factor (German).")),
    Column("theme", _("Theme (Handlungsfeld) the factor belongs to.")),
    *_COUNT_COLUMNS,
    *_SHARE_COLUMNS,
]
JOBCENTER_COLUMNS = [
    Column("jobcenter", _("Official name of the jobcenter.")),
    Column("ags", _("Kreisschlüssel (AGS) of the district, five digits.")),
    Column("regierungsbezirk", _("Regierungsbezirk of the district.")),
    *_COUNT_COLUMNS,
    *_SHARE_COLUMNS,
]
THEME_COLUMNS = [
    Column("theme_number", _("Number of the theme."), "int"),
    Column("theme", _("Theme (Handlungsfeld).")),
    *_COUNT_COLUMNS,
    *_SHARE_COLUMNS,
]

# What the open-data page offers for download, by URL name.
DATASETS = {
    "matrix": (_("Status matrix: one row per jobcenter and factor"), MATRIX_COLUMNS),
    "faktoren": (_("Aggregates per factor"), FACTOR_COLUMNS),
    "jobcenter": (_("Aggregates per jobcenter"), JOBCENTER_COLUMNS),
    "handlungsfelder": (_("Aggregates per theme"), THEME_COLUMNS),
}

_MATRIX_FIELDS = {
    "jobcenter": "jobcenter__name",
    "ags": "jobcenter__district__ags",
    "factor_number": "factor__number",
    "factor_title": "factor__title",
    "theme": "factor__theme__name",
    "status": "status",
    "progress": "progress",
    "not_applicable_reason": "not_applicable_reason",
    "public_note": "public_note",
    "target_date": "target_date",
    "last_update": "updated_at",
    "is_demo": "is_demo",
}


def german_status_labels():
    with translation.override("de"):
        return {value: str(Status(value).label) for value in Status.values}


def matrix_rows(*, at=None, factor_number=None, ags=None, limit=None, offset=0):
    """The public matrix as a list of dicts keyed like MATRIX_COLUMNS: one query.

    With `at`, the state as of that moment, computed from the history; `limit` and
    `offset` page through it in its order (jobcenter AGS, factor number).
    """
    source = history.snapshot(at) if at else Implementation.objects.all()
    if factor_number is not None:
        source = source.filter(factor__number=factor_number)
    if ags is not None:
        source = source.filter(jobcenter__district__ags=ags)
    source = source.order_by("jobcenter__district__ags", "factor__number").values_list(
        *_MATRIX_FIELDS.values()
    )
    if limit:
        source = source[offset : offset + limit]
    labels = german_status_labels()
    # One dict literal per row, in MATRIX_COLUMNS order (so to_json_rows copies it
    # whole). The names unpack the record in _MATRIX_FIELDS order.
    return [
        {
            "jobcenter": jobcenter,
            "ags": ags,
            "factor_number": factor_number,
            "factor_title": factor_title,
            "theme": theme,
            "status": status,
            "status_label": labels.get(status, status),
            "progress": None if status == Status.NOT_REPORTED else progress,
            "not_applicable_reason": not_applicable_reason,
            "public_note": public_note,
            "target_date": target_date,
            "last_update": last_update,
            "is_demo": is_demo,
        }
        for (
            jobcenter,
            ags,
            factor_number,
            factor_title,
            theme,
            status,
            progress,
            not_applicable_reason,
            public_note,
            target_date,
            last_update,
            is_demo,
        ) in source
    ]


_NO_ROWS = StatusSummary()


def _summary_fields(summary):
    share = summary.done_share
    return {
        **{f"count_{s}": summary.counts[s] for s in STATUS_VALUES},
        "total": summary.total,
        "applicable": summary.applicable,
        "reported": summary.reported,
        "done_share": None if share is None else round(share, 1),
    }


def _summaries(at, key):
    """{key value: StatusSummary} of the rows now or, with `at`, as of that moment."""
    rows = history.snapshot(at) if at else Implementation.objects.all()
    return rows.summary_by(key)[key]


def _catalogue():
    """(pk, number, title, theme name, theme pk) per factor in catalogue order: one query."""
    return Factor.objects.in_catalogue_order().values_list(
        "pk", "number", "title", "theme__name", "theme_id"
    )


def _factor_rows(summaries, catalogue):
    return [
        {
            "factor_number": number,
            "factor_title": title,
            "theme": theme,
            **_summary_fields(summaries.get(pk, _NO_ROWS)),
        }
        for pk, number, title, theme, _theme_id in catalogue
    ]


def _theme_rows(summaries):
    return [
        {
            "theme_number": number,
            "theme": name,
            **_summary_fields(summaries.get(pk, _NO_ROWS)),
        }
        for pk, number, name in Theme.objects.values_list("pk", "number", "name")
    ]


def factor_rows(*, at=None):
    """Aggregates per factor in catalogue order: two queries."""
    return _factor_rows(_summaries(at, "factor_id"), _catalogue())


def jobcenter_rows(*, at=None):
    """Aggregates per jobcenter, by AGS: two queries."""
    summaries = _summaries(at, "jobcenter_id")
    return [
        {
            "jobcenter": name,
            "ags": ags,
            "regierungsbezirk": regierungsbezirk,
            **_summary_fields(summaries.get(pk, _NO_ROWS)),
        }
        for pk, name, ags, regierungsbezirk in Jobcenter.objects.values_list(
            "pk", "name", "district__ags", "district__regierungsbezirk"
        )
    ]


def theme_rows(*, at=None):
    """Aggregates per theme in catalogue order: two queries."""
    return _theme_rows(_summaries(at, "factor__theme_id"))


def aggregate_rows(*, at=None):
    """(per factor, per jobcenter, per theme) rows as the three functions above give
    them: the rows are summarised per factor and per theme in one statement."""
    rows = history.snapshot(at) if at else Implementation.objects.all()
    summaries = rows.summary_by("factor_id", "factor__theme_id")
    return (
        _factor_rows(summaries["factor_id"], _catalogue()),
        jobcenter_rows(at=at),
        _theme_rows(summaries["factor__theme_id"]),
    )


def status_rows(factor_data):
    """Counts per status, summed from the per-factor aggregates (no query)."""
    labels = german_status_labels()
    return [
        {
            "status": s,
            "status_label": labels[s],
            "count": sum(row[f"count_{s}"] for row in factor_data),
        }
        for s in Status.values
    ]


def download_urls(dataset):
    """{"csv", "excel", "json"}: the three download addresses of a dataset."""
    return {
        "csv": reverse("reports:download", args=[dataset, "csv"]),
        "excel": reverse("reports:download_excel", args=[dataset, "excel", "csv"]),
        "json": reverse("reports:download", args=[dataset, "json"]),
    }


ONLY_MATRIX_FILTERS = _("The parameters faktor and jobcenter filter only the matrix.")

DATASET_ROWS = {
    "faktoren": factor_rows,
    "jobcenter": jobcenter_rows,
    "handlungsfelder": theme_rows,
}


# --- serialisation ---------------------------------------------------------------------


def _converters(columns, *, excel=False, for_json=False):
    """Per column, the function turning a value into its JSON or CSV form, or None where
    the value goes out as it is (numbers; None, which the csv module writes as ""; text
    in JSON). CSV text passes the formula guard (kjc.spreadsheet_safety.csv_text).

    Built once per response: the time zone is looked up once, not once per cell, and
    each distinct date is formatted once (target dates repeat a lot; the times of the
    changes mostly do not, and remembering 14,000 of them cost more than it saved).
    """
    tz = timezone.get_current_timezone()

    def datetime_(value):
        if value is None:
            return None if for_json else ""
        local = value.astimezone(tz)
        if excel:
            return local.strftime("%d.%m.%Y %H:%M")
        return local.isoformat(timespec="seconds")

    @cache
    def date_(value):
        if value is None:
            return None if for_json else ""
        return value.strftime("%d.%m.%Y") if excel else value.isoformat()

    def float_(value):
        if value is None:
            return None if for_json else ""
        if for_json:
            return value
        text = f"{value:.1f}"
        return text.replace(".", ",") if excel else text

    def bool_(value):
        if for_json:
            return value
        if excel:
            return "ja" if value else "nein"
        return "true" if value else "false"

    if for_json:  # text, numbers, booleans and None pass unchanged: no call per cell
        return [(c.key, {"datetime": datetime_, "date": date_}.get(c.kind)) for c in columns]
    kinds = {"datetime": datetime_, "date": date_, "float": float_, "bool": bool_, "text": csv_text}
    return [(c.key, kinds.get(c.kind)) for c in columns]


def to_json_rows(rows, columns):
    """Rows as dicts in column order, one pass; only dates and times are converted."""
    keys = [c.key for c in columns]
    converted = [(key, convert) for key, convert in _converters(columns, for_json=True) if convert]
    # Rows that already hold exactly these keys in this order (matrix_rows) are copied
    # whole, which is much cheaper than picking 13 keys one by one on 14,000 rows.
    whole = bool(rows) and list(rows[0]) == keys
    result = []
    for row in rows:
        out = row.copy() if whole else {key: row[key] for key in keys}
        for key, convert in converted:
            out[key] = convert(out[key])
        result.append(out)
    return result


def to_csv(rows, columns, *, excel=False):
    """CSV text. `excel`: semicolon, decimal comma, German dates and a UTF-8 BOM, so that
    German Excel opens it by double-click with umlauts and numbers intact."""
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    keys = [c.key for c in columns]
    writer.writerow(keys)
    pick = operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    converted = [
        (index, convert)
        for index, (_key, convert) in enumerate(_converters(columns, excel=excel))
        if convert
    ]

    def records():
        for row in rows:
            record = list(pick(row))
            for index, convert in converted:
                record[index] = convert(record[index])
            yield record

    writer.writerows(records())
    return out.getvalue()


def _local_iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def meta(*, dataset, as_of, last_modified, stand=None):
    """The "meta" of a JSON download or API answer. `stand`: the data's one "Stand", the
    latest released change (reports.conditional.stand(request)), as on /daten/."""
    return {
        "dataset": dataset,
        "as_of": as_of.isoformat() if as_of else None,
        "stand": _local_iso(stand),
        "last_modified": _local_iso(last_modified),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
    }


def to_json(payload):
    return json.dumps(payload, ensure_ascii=False, indent=1)


_encode = json.JSONEncoder(ensure_ascii=False).encode


def to_json_download(meta, rows):
    """The JSON download as str pieces: {"meta": …, "data": [one record per line]}.

    Not json.dumps(indent=…): with an indent Python's encoder runs in pure Python, much
    slower than its C encoder. A record per line stays readable and diffable. Pieces,
    not one string: HttpResponse joins them into its bytes, so the nationwide matrix is
    held twice at most, not four times.
    """
    yield f'{{"meta": {_encode(meta)},\n"data": [\n'
    separator = ""
    for row in rows:
        yield separator + _encode(row)
        separator = ",\n"
    yield "\n]}\n"
