"""Small `make_*` helpers that build test data in code."""

import itertools

from django.contrib.auth import get_user_model

from factors.models import Factor, Theme
from jobcenters import roles
from jobcenters.models import District, Implementation, Jobcenter, OperatingModel, StaffMembership

PASSWORD = "a-long-test-password-1"
_seq = itertools.count(1)


def make_theme(**fields):
    n = next(_seq)
    fields.setdefault("number", n)
    fields.setdefault("name", f"Handlungsfeld {n}")
    fields.setdefault("order", fields["number"])
    return Theme.objects.create(**fields)


def make_factor(*, theme=None, **fields):
    if "number" not in fields:
        used = set(Factor.objects.values_list("number", flat=True))
        fields["number"] = min(set(range(1, 36)) - used)
    fields.setdefault("title", f"Testfaktor {fields['number']}")
    return Factor.objects.create(theme=theme or make_theme(), **fields)


def make_district(*, model=OperatingModel.KJC, **fields):
    n = next(_seq)
    fields.setdefault("ags", f"{9000 + n:05d}"[-5:])
    fields.setdefault("name", f"Testkreis {n}")
    fields.setdefault("kind", District.Kind.LANDKREIS)
    fields.setdefault("regierungsbezirk", "Darmstadt")
    return District.objects.create(model=model, **fields)


def make_jobcenter(*, district=None, with_implementations=True, **fields):
    district = district or make_district()
    fields.setdefault("name", f"Kommunales Jobcenter {district.name}")
    jobcenter = Jobcenter.objects.create(district=district, **fields)
    if with_implementations:
        Implementation.objects.bulk_create(
            Implementation(jobcenter=jobcenter, factor=f) for f in Factor.objects.all()
        )
    return jobcenter


def make_user(username=None, *, group=None, jobcenters=(), **fields):
    username = username or f"user{next(_seq)}"
    fields.setdefault("is_staff", group is not None)
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    if group:
        user.groups.add(roles.ensure_groups()[group])
    for jobcenter in jobcenters:
        StaffMembership.objects.create(user=user, jobcenter=jobcenter)
    return user


def make_catalogue(factors=3, themes=1):
    """A small catalogue: `factors` factors spread over `themes` themes."""
    theme_objs = [make_theme() for _ in range(themes)]
    return [make_factor(theme=theme_objs[i % themes], number=i + 1) for i in range(factors)]


def confirm_second_factor(client, user):
    """Mark the client's session as having passed the second factor (django-otp), as the
    verification step does; for tests about other pages than the sign-in itself."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _created = StaticDevice.objects.get_or_create(user=user, name="test device")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
