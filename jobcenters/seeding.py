"""Loads the reference data (catalogue, districts, jobcenters) and the demo data.

Everything here creates what is missing and leaves what exists alone, so the
seed command can run on every start without touching a reported status.
"""

import csv
import random
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from factors.catalogue import THEMES, provisional_factors
from factors.models import Factor, Theme

from . import roles
from .models import District, Implementation, Jobcenter, OperatingModel, StaffMembership, Status
from .services import update_implementation

DATA_DIR = Path(__file__).resolve().parent / "data"
JOBCENTERS_CSV = DATA_DIR / "hessen-jobcenters.csv"
DEMO_PASSWORD = "demo"
DEMO_NOTE_PREFIX = "[Demo] "

KIND_FROM_CSV = {
    "Landkreis": District.Kind.LANDKREIS,
    "Kreisfreie Stadt": District.Kind.KREISFREIE_STADT,
}


def read_district_rows(path=JOBCENTERS_CSV):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@transaction.atomic
def seed_reference_data():
    """Create missing themes, factors, districts, jobcenters, implementations and groups.

    Returns a dict of how many rows of each kind were created.
    """
    created = dict.fromkeys(["themes", "factors", "districts", "jobcenters", "implementations"], 0)
    roles.ensure_groups()

    themes = {t.number: t for t in Theme.objects.all()}
    for number, name, description in THEMES:
        if number not in themes:
            themes[number] = Theme.objects.create(
                number=number, name=name, description=description, order=number
            )
            created["themes"] += 1

    existing_factors = set(Factor.objects.values_list("number", flat=True))
    new_factors = [
        Factor(
            number=number,
            theme=themes[theme],
            title=title,
            description=description,
            addressee=addressee,
            source=source,
            verified=False,
        )
        for number, theme, title, description, addressee, source in provisional_factors()
        if number not in existing_factors
    ]
    Factor.objects.bulk_create(new_factors)
    created["factors"] = len(new_factors)

    districts = {d.ags: d for d in District.objects.all()}
    jobcenter_ags = set(Jobcenter.objects.values_list("district__ags", flat=True))
    for row in read_district_rows():
        district = districts.get(row["ags"])
        if district is None:
            district = District.objects.create(
                ags=row["ags"],
                name=row["district"],
                kind=KIND_FROM_CSV[row["district_type"]],
                regierungsbezirk=row["regierungsbezirk"],
                seat=row["seat"],
                model=row["model"],
            )
            created["districts"] += 1
        if district.model == OperatingModel.KJC and row["ags"] not in jobcenter_ags:
            Jobcenter.objects.create(
                district=district,
                name=row["jobcenter_name"],
                option_since=int(row["option_since"]) if row["option_since"] else None,
                website=row["website"],
            )
            created["jobcenters"] += 1

    created["implementations"] = create_missing_implementations()
    return created


def create_missing_implementations():
    """One implementation row per jobcenter and factor, each with its first history entry."""
    existing = set(Implementation.objects.values_list("jobcenter_id", "factor_id"))
    factor_ids = list(Factor.objects.values_list("pk", flat=True))
    missing = [
        Implementation(jobcenter_id=jc_id, factor_id=f_id)
        for jc_id in Jobcenter.objects.values_list("pk", flat=True)
        for f_id in factor_ids
        if (jc_id, f_id) not in existing
    ]
    if missing:
        bulk_create_with_history(missing, Implementation, batch_size=500)
    return len(missing)


def demo_accounts():
    """(username, role group, jobcenter ags or None) for every demo login."""
    accounts = [("koordination", roles.COORDINATION, None), ("leitung", roles.DIRECTORS, None)]
    for ags in Jobcenter.objects.values_list("district__ags", flat=True):
        accounts.append((f"jc-{ags}", roles.JOBCENTER_STAFF, ags))
    return accounts


# Demo logins carry "Demo" as first name, so "who" in history and on the dashboard reads
# "Demo Koordination", "Demo Jobcenter Kreis Bergstraße": distinct, and labelled demo.
DEMO_FIRST_NAME = "Demo"
DEMO_ROLE_NAMES = {roles.COORDINATION: "Koordination", roles.DIRECTORS: "Leitung"}


def demo_last_name(group, jobcenter):
    if jobcenter is not None:
        return f"Jobcenter {jobcenter.district.name}"
    return DEMO_ROLE_NAMES[group]


@transaction.atomic
def seed_demo_users():
    """Create the demo logins (password "demo"); existing accounts are left alone."""
    groups = roles.ensure_groups()
    password_hash = make_password(DEMO_PASSWORD)
    User = get_user_model()
    jobcenters = {jc.district.ags: jc for jc in Jobcenter.objects.select_related("district")}
    accounts = demo_accounts()
    for username, group, ags in accounts:
        last_name = demo_last_name(group, jobcenters[ags] if ags else None)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "password": password_hash,
                "is_staff": True,
                "first_name": DEMO_FIRST_NAME,
                "last_name": last_name,
            },
        )
        if created:
            user.groups.add(groups[group], groups[roles.DEMO_ACCOUNTS])
        elif user.first_name == DEMO_FIRST_NAME and not user.last_name:
            # Demo logins seeded before they had names: only the name, nothing else.
            User.objects.filter(pk=user.pk).update(last_name=last_name)
        if ags:
            StaffMembership.objects.get_or_create(user=user, jobcenter=jobcenters[ags])
    return accounts


# A plausible spread for a plan adopted years ago: most factors moving, few untouched.
DEMO_STATUS_WEIGHTS = {
    Status.DONE: 30,
    Status.IN_PROGRESS: 28,
    Status.PLANNED: 14,
    Status.NOT_STARTED: 10,
    Status.NOT_REPORTED: 12,
    Status.NOT_APPLICABLE: 6,
}
DEMO_PATH = [Status.NOT_STARTED, Status.PLANNED, Status.IN_PROGRESS, Status.DONE]


def _demo_values(status, rng, today):
    values = {"status": status, "public_note": "", "not_applicable_reason": ""}
    if status == Status.IN_PROGRESS:
        values["progress"] = rng.choice([20, 35, 50, 60, 75, 90])
        values["target_date"] = today + timedelta(days=rng.randint(30, 540))
        values["public_note"] = DEMO_NOTE_PREFIX + "Umsetzung läuft (Beispieltext)."
    elif status == Status.PLANNED:
        values["progress"] = rng.choice([0, 5, 10])
        values["target_date"] = today + timedelta(days=rng.randint(90, 720))
    elif status == Status.DONE:
        values["public_note"] = DEMO_NOTE_PREFIX + "Umgesetzt (Beispieltext)."
    elif status == Status.NOT_APPLICABLE:
        values["not_applicable_reason"] = DEMO_NOTE_PREFIX + "Trifft vor Ort nicht zu (Beispiel)."
    return values


@transaction.atomic
def seed_demo_statuses(*, seed=2018, months=6):
    """Give every implementation a labelled demo status and a few months of history.

    Does nothing once any row carries demo data, and never touches a row that
    someone has already reported on.
    """
    if Implementation.objects.filter(is_demo=True).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    staff = {
        m.jobcenter_id: m.user
        for m in StaffMembership.objects.filter(user__username__startswith="jc-").select_related(
            "user"
        )
    }
    rows = Implementation.objects.filter(status=Status.NOT_REPORTED, version=1).order_by("pk")
    statuses = list(DEMO_STATUS_WEIGHTS)
    weights = list(DEMO_STATUS_WEIGHTS.values())
    changed = 0
    # The demo history starts `months` ago, so the rows must have existed before it.
    created_at = now - timedelta(days=30 * (months + 1))
    demo_ids = list(rows.values_list("pk", flat=True))
    Implementation.objects.filter(pk__in=demo_ids).update(is_demo=True, updated_at=created_at)
    Implementation.history.filter(id__in=demo_ids, history_type="+").update(
        history_date=created_at, is_demo=True
    )
    for row in rows:
        final = rng.choices(statuses, weights)[0]
        if final == Status.NOT_REPORTED:
            continue
        # Walk up the path towards the final status, one change every few weeks.
        steps = DEMO_PATH[: DEMO_PATH.index(final) + 1] if final in DEMO_PATH else [final]
        steps = steps[-rng.randint(1, min(3, len(steps))) :]
        when = now - timedelta(days=rng.randint(30 * len(steps), 30 * months))
        user = staff.get(row.jobcenter_id)
        for step in steps:
            row = update_implementation(
                implementation=row,
                values=_demo_values(step, rng, today),
                expected_version=row.version,
                user=user,
                when=when,
            )
            when += timedelta(days=rng.randint(7, 30))
            when = min(when, now)
        changed += 1
    return changed
