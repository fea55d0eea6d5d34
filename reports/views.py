from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from jobcenters.models import Implementation, Jobcenter


@require_safe
def open_data(request):
    """Downloads of the public matrix and the documentation of the JSON API."""
    return render(request, "reports/open_data.html", {})


@require_safe
@login_required
def dashboard(request):
    """Internal overview for signed-in users, scoped to the jobcenters they may read."""
    jobcenters = Jobcenter.objects.visible_to(request.user)
    counts = Implementation.objects.filter(jobcenter__in=jobcenters).status_counts()
    return render(request, "reports/dashboard.html", {"counts": counts})
