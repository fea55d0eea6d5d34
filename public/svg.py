"""Server-side SVG: the map of Hessen and small status bars.

The district shapes come from the BKG VG5000 extract in `jobcenters/data/`. They are
projected once per process (equirectangular, x scaled by cos of the mean latitude,
which is close enough for a state the size of Hessen) and cached as SVG path data.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

GEOJSON = Path(settings.BASE_DIR) / "jobcenters" / "data" / "hessen-kreise.geojson"
MAP_WIDTH = 400
MAP_PADDING = 4


@dataclass(frozen=True)
class DistrictShape:
    ags: str
    name: str
    kind: str  # "Landkreis" or "Kreisfreie Stadt", as in the data file
    path: str  # SVG path data in map coordinates

    @property
    def path_html(self):
        """The path escaped for an attribute: escaped once per process, not per request."""
        return _escaped(self.path)


@dataclass(frozen=True)
class MapGeometry:
    width: int
    height: int
    shapes: tuple  # DistrictShape, in AGS order

    @property
    def view_box(self):
        return f"0 0 {self.width} {self.height}"


def _rings(geometry):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:  # pragma: no cover - the data file holds only (multi)polygons
        raise ValueError(f"unexpected geometry type {geometry['type']}")


@cache
def map_geometry(path=GEOJSON):
    """All district shapes as SVG path data, projected and scaled to MAP_WIDTH."""
    with open(path, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    points = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * x_scale
    span_y = max_lat - min_lat
    factor = (MAP_WIDTH - 2 * MAP_PADDING) / span_x
    height = round(span_y * factor + 2 * MAP_PADDING)

    def project(lon, lat):
        x = MAP_PADDING + (lon - min_lon) * x_scale * factor
        y = MAP_PADDING + (max_lat - lat) * factor
        return round(x, 1), round(y, 1)

    shapes = []
    for feature in features:
        parts = []
        for ring in _rings(feature["geometry"]):
            projected = []
            for lon, lat in ring:
                pt = project(lon, lat)
                if not projected or projected[-1] != pt:
                    projected.append(pt)
            if len(projected) < 3:
                continue
            head, *tail = projected
            parts.append(f"M{head[0]:g} {head[1]:g}L" + " ".join(f"{x:g} {y:g}" for x, y in tail))
            parts.append("Z")
        props = feature["properties"]
        shapes.append(
            DistrictShape(
                ags=props["ags"], name=props["name"], kind=props["type"], path="".join(parts)
            )
        )
    shapes.sort(key=lambda s: s.ags)
    return MapGeometry(width=MAP_WIDTH, height=height, shapes=tuple(shapes))


@cache
def _escaped(text):
    return mark_safe(escape(text))  # noqa: S308 - escaped just now


_REGION_LINK = (
    '<a href="{}" aria-label="{}" class="map-link"><title>{}</title>'
    '<path d="{}" fill="{}" stroke="#1b1b1b" stroke-width=".6"/></a>\n    '
)
_REGION_PLAIN = (
    '<path d="{}" fill="{}" stroke="#1b1b1b" stroke-width=".6"><title>{}</title></path>\n    '
)


def map_regions(regions):
    """The district shapes of includes/map.html, a link for each jobcenter's district."""
    return mark_safe(  # noqa: S308 - each piece comes from format_html
        "".join(
            format_html(
                _REGION_LINK,
                r["href"],
                r["label"],
                r["label"],
                r["shape"].path_html,
                r["fill"],
            )
            if r["href"]
            else format_html(_REGION_PLAIN, r["shape"].path_html, r["fill"], r["label"])
            for r in regions
        )
    )


def share_class(share):
    """One of five steps of the sequential scale for a share 0–100 (None: no data)."""
    if share is None:
        return "none"
    return str(min(int(share // 20), 4))


SHARE_STEPS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]

# Sequential (ColorBrewer GnBu): lighter means less implemented, also in greyscale.
SHARE_FILLS = ["#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"]
NO_DATA_FILL = "#ffffff"
JOINT_FILL = "url(#map-hatch-ge)"
NOT_APPLICABLE_FILL = "url(#map-hatch-na)"

# The status of one factor on the map, on the same scale (done is darkest).
STATUS_FILLS = {
    "umgesetzt": SHARE_FILLS[4],
    "in_umsetzung": SHARE_FILLS[3],
    "geplant": SHARE_FILLS[2],
    "nicht_begonnen": SHARE_FILLS[1],
    "nicht_gemeldet": NO_DATA_FILL,
    "nicht_zutreffend": NOT_APPLICABLE_FILL,
}

# Segments of the stacked status bars (plain colours: bars repeat, patterns need ids).
BAR_FILLS = {
    "umgesetzt": "#0868ac",
    "in_umsetzung": "#43a2ca",
    "geplant": "#7bccc4",
    "nicht_begonnen": "#bae4bc",
    "nicht_gemeldet": "#f2f2f2",
    "nicht_zutreffend": "#8c8c8c",
}


BAR_OUTLINE = (
    '<rect x=".25" y=".25" width="99.5" height="9.5" fill="none" '
    'stroke="#505050" stroke-width=".5"/>'
)


_BAR_OPEN = (
    '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
    'aria-hidden="true" focusable="false">'
)
_EMPTY_STATUS_BAR = mark_safe(
    f'{_BAR_OPEN}<rect x=".25" y=".25" width="99.5" height="9.5" '
    f'fill="{NO_DATA_FILL}" stroke="#505050" stroke-width=".5"/></svg>'
)


# Bars hold only numbers formatted here and the constant fills above, so they are
# built as plain strings: a page draws one per factor or jobcenter.
def status_bar(counts):
    """A stacked bar of [(status, n)] as inline SVG; decorative, the counts are shown as text."""
    total = sum(n for _, n in counts)
    if not total:
        return _EMPTY_STATUS_BAR
    x = 0.0
    rects = []
    for status, n in counts:
        if not n:
            continue
        width = 100 * n / total
        rects.append(
            f'<rect x="{x:.2f}" width="{width:.2f}" height="10" fill="{BAR_FILLS[status]}"/>'
        )
        x += width
    return mark_safe(f"{_BAR_OPEN}{''.join(rects)}{BAR_OUTLINE}</svg>")  # noqa: S308


def share_bar(share):
    """A single bar for a share 0–100 (None: empty); decorative, the value is shown as text."""
    width = 0 if share is None else max(0.0, min(100.0, share))
    return mark_safe(  # noqa: S308 - a number and constants
        f'{_BAR_OPEN}<rect width="100" height="10" fill="#f2f2f2"/>'
        f'<rect width="{width:.2f}" height="10" fill="{SHARE_FILLS[4]}"/>'
        f"{BAR_OUTLINE}</svg>"
    )
