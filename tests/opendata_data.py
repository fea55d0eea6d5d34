"""The small public data set the open-data document tests share."""

import datetime

from jobcenters.models import Implementation, Status

from .factories import make_catalogue, make_district, make_jobcenter


def make_open_data(*, variety=True):
    """3 factors in 2 themes, jobcenters 06438 and 06414; with `variety` a demo row, a
    target date, a note with quotes and comma, and "not applicable" with its reason."""
    make_catalogue(factors=3, themes=2)
    make_jobcenter(district=make_district(ags="06438", name="Kreis Offenbach"))
    make_jobcenter(district=make_district(ags="06414", name="Wiesbaden"))
    if not variety:
        return
    Implementation.objects.filter(factor__number=1).update(
        status=Status.DONE,
        progress=100,
        public_note='Öffentlich; mit "Zitat", Komma',
        is_demo=True,
        target_date=datetime.date(2026, 6, 30),
    )
    Implementation.objects.filter(factor__number=2).update(
        status=Status.NOT_APPLICABLE, not_applicable_reason="Trifft nicht zu"
    )
