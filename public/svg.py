"""Geometry of the server-drawn SVG: the map of Hessen and small status bars.

The templates (includes/map.html, status_bar.html, share_bar.html) write the markup;
colours come from the status and share custom properties in static/css/site.css.

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

GEOJSON = Path(settings.BASE_DIR) / "jobcenters" / "data" / "hessen-kreise.geojson"
MAP_WIDTH = 400
MAP_PADDING = 4


@dataclass(frozen=True)
class DistrictShape:
    ags: str
    name: str
    kind: str  # "Landkreis" or "Kreisfreie Stadt", as in the data file
    path: str  # SVG path data in map coordinates


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


def share_class(share):
    """One of five steps of the sequential share scale for a share 0–100 (None: no data)."""
    if share is None:
        return "none"
    return str(min(int(share // 20), 4))


SHARE_STEPS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]


def status_segments(counts):
    """The segments of a stacked status bar (includes/status_bar.html) for [(status, n)]:
    dicts with the status value, x and width in a 100-wide box; [] when all counts are 0."""
    total = sum(n for _, n in counts)
    segments = []
    x = 0.0
    for status, n in counts:
        if not n:
            continue
        width = 100 * n / total
        segments.append({"status": status, "x": f"{x:.2f}", "width": f"{width:.2f}"})
        x += width
    return segments


def share_width(share):
    """The filled width of a share bar (includes/share_bar.html), 0–100, as text."""
    width = 0 if share is None else max(0.0, min(100.0, share))
    return f"{width:.2f}"
