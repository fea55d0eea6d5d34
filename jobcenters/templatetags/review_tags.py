"""The review step (settings.KJC_REVIEW_REQUIRED) on pages of other apps."""

from django import template
from django.conf import settings

from jobcenters import roles
from jobcenters.models import Jobcenter, PendingChange

register = template.Library()


@register.filter
def is_coordinator(user):
    return roles.is_coordinator(user)


@register.inclusion_tag("jobcenters/includes/pending_changes.html", takes_context=True)
def pending_changes(context):
    """The unreleased changes of the jobcenters the signed-in user may read.

    One query, and none while the review step is off (no drafts are then made).
    """
    user = context["request"].user
    if not settings.KJC_REVIEW_REQUIRED:
        return {"shown": False}
    drafts = list(
        PendingChange.objects.filter(
            implementation__jobcenter__in=Jobcenter.objects.visible_to(user)
        )
        .select_related("implementation__jobcenter", "implementation__factor", "submitted_by")
        .order_by("implementation__jobcenter__name", "implementation__factor__number")
    )
    return {"shown": True, "drafts": drafts, "coordinator": roles.is_coordinator(user)}
