"""Admin for districts, jobcenters, staff memberships and implementation statuses.

Jobcenter staff see and change only their own jobcenters' rows; directors read
everything and change nothing; the coordination office changes everything.
Every implementation save goes through services.update_implementation, so it
is version-checked and kept in history; history itself is read-only.
"""

import dataclasses

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import roles
from .forms import ImplementationForm, display_value
from .models import (
    District,
    Implementation,
    Jobcenter,
    StaffMembership,
    Status,
    stale_cutoff,
)
from .services import EDITABLE_FIELDS, EditConflict, drafts_for, update_implementation


def visible_ids(request):
    """Ids of the jobcenters whose rows the user may read, looked up once per request."""
    if not hasattr(request, "_kjc_visible_ids"):
        jobcenters = Jobcenter.objects.visible_to(request.user)
        request._kjc_visible_ids = set(jobcenters.values_list("pk", flat=True))
    return request._kjc_visible_ids


def editable_ids(request):
    """Ids of the jobcenters whose rows the user may change, looked up once per request."""
    if not hasattr(request, "_kjc_editable_ids"):
        user = request.user
        if roles.is_coordinator(user) or not roles.sees_everything(user):
            # Coordination edits all it sees; staff edit exactly the jobcenters they see.
            request._kjc_editable_ids = visible_ids(request)
        else:
            jobcenters = Jobcenter.objects.editable_by(user)
            request._kjc_editable_ids = set(jobcenters.values_list("pk", flat=True))
    return request._kjc_editable_ids


class ScopedNotFoundMixin:
    """What lies outside the user's scope does not exist for them: a 404, not the
    admin's redirect to the index with a "does not exist" message."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("Not found, or not yours to see."))
        return obj


class JunkHistoryIdNotFoundMixin:
    """A history address whose object or version id is no id at all is a 404.

    simple-history passes both ids from its URL (``<id>/history/`` and
    ``<id>/history/<version>/``, each any text without a slash) straight into a query,
    where ``abc`` or ``'`` raise ValueError, a 500.
    """

    def history_view(self, request, object_id, extra_context=None):
        self._id_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._id_or_404(self.model._meta.pk, object_id)
        self._id_or_404(self.model.history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def _id_or_404(field, value):
        try:
            field.get_prep_value(field.to_python(value))
        except (ValidationError, ValueError, TypeError) as error:
            raise Http404(gettext("Not found, or not yours to see.")) from error


class AssumeHttpsMixin:
    """A link typed without a scheme is taken as https:// (Django 6's default)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("ags", "name", "kind", "regierungsbezirk", "model")
    list_filter = ("model", "kind", "regierungsbezirk")
    search_fields = ("ags", "name", "seat")
    ordering = ("ags",)

    def has_delete_permission(self, request, obj=None):
        # Districts are official data loaded by the seed command.
        return False


@admin.register(Jobcenter)
class JobcenterAdmin(ScopedNotFoundMixin, AssumeHttpsMixin, admin.ModelAdmin):
    list_display = ("name", "ags", "option_since", "editor_link")
    list_select_related = ("district",)
    search_fields = ("name", "district__name", "district__ags")
    ordering = ("district__ags",)

    def get_queryset(self, request):
        user = request.user
        editable = Jobcenter.objects.editable_by(user).filter(pk=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=Jobcenter.objects.visible_to(user))
            .annotate(user_may_edit=Exists(editable))
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Kreisschlüssel (AGS)"), ordering="district__ags")
    def ags(self, obj):
        return obj.district.ags

    @admin.display(description=_("one-screen editor"))
    def editor_link(self, obj):
        if not obj.user_may_edit:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("jobcenters:edit_jobcenter", args=[obj.district.ags]),
            gettext("Edit all factors"),
        )


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 1
    verbose_name = _("jobcenter served")
    verbose_name_plural = _("jobcenters served")


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "jobcenter")
    list_select_related = ("user", "jobcenter")
    list_filter = ("jobcenter",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "jobcenter__name")


User = get_user_model()
if admin.site.is_registered(User):
    _BaseUserAdmin = type(admin.site.get_model_admin(User))
    admin.site.unregister(User)
else:
    _BaseUserAdmin = UserAdmin


@admin.register(User)
class KJCUserAdmin(_BaseUserAdmin):
    """The standard user admin plus the jobcenters a user serves."""

    inlines = [*_BaseUserAdmin.inlines, StaffMembershipInline]


class StaleFilter(admin.SimpleListFilter):
    """Entries nobody has touched for settings.KJC_STALE_MONTHS months."""

    parameter_name = "stale"

    def __init__(self, request, params, model, model_admin):
        self.title = gettext("not updated for %(months)s months") % {
            "months": settings.KJC_STALE_MONTHS
        }
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        since = date_format(stale_cutoff(), "SHORT_DATE_FORMAT")
        return [
            ("yes", gettext("yes (last change before %(date)s)") % {"date": since}),
            ("no", gettext("no")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.stale().values("pk"))
        return queryset


class ImplementationHistoryHelper(HistoricalRecordContextHelper):
    """History shows what people edited, as people read it (status labels, German dates),
    not the bookkeeping fields (version, updated at) that change with every save."""

    def context_for_delta_changes(self, delta):
        edited = [c for c in delta.changes if c.field in EDITABLE_FIELDS]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=edited))

    def prepare_delta_change_value(self, change, value):
        return display_value(change.field, value)


@admin.register(Implementation)
class ImplementationAdmin(
    ScopedNotFoundMixin, JunkHistoryIdNotFoundMixin, AssumeHttpsMixin, SimpleHistoryAdmin
):
    form = ImplementationForm
    list_display = (
        "jobcenter",
        "factor_number",
        "factor_title",
        "status_display",
        "progress",
        "updated_at",
        "updated_by",
    )
    list_display_links = ("factor_title",)
    list_select_related = ("jobcenter__district", "factor", "updated_by")
    list_filter = (
        ("jobcenter", admin.RelatedOnlyFieldListFilter),
        "factor__theme",
        "status",
        StaleFilter,
    )
    search_fields = ("factor__title", "factor__description")
    # Saves the second COUNT over all rows on every filtered page.
    show_full_result_count = False
    ordering = ("jobcenter__district__ags", "factor__number")
    fields = (
        "jobcenter",
        "factor",
        "status",
        "progress",
        "not_applicable_reason",
        "public_note",
        "internal_note",
        "evidence_url",
        "target_date",
        "version",
        "updated_at",
        "updated_by",
        "is_demo",
    )
    # Rows are one per jobcenter and factor, created by the seed command: a row is
    # never moved to another jobcenter or factor, by anyone.
    readonly_fields = ("jobcenter", "factor", "updated_at", "updated_by", "is_demo")
    actions = None
    # Names the version instead of str(row), which would cost two queries per entry.
    object_history_list_template = "admin/jobcenters/implementation/object_history_list.html"

    # --- scope -------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            # Here rather than list_select_related, which the changelist skips once the
            # queryset has any select_related.
            .select_related("jobcenter__district", "factor", "updated_by")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or obj.jobcenter_id in visible_ids(request)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if drafts_for(request.user):
            # Under the review step staff change entries in the one-screen editor, which
            # keeps their drafts; this form knows only the released row.
            return False
        return obj is None or obj.jobcenter_id in editable_ids(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # jobcenter is read-only on the form; should it ever become editable, its
        # choices are still only the user's own jobcenters.
        if db_field.name == "jobcenter":
            kwargs["queryset"] = Jobcenter.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- columns -----------------------------------------------------------------------

    @admin.display(description=_("no."), ordering="factor__number")
    def factor_number(self, obj):
        return obj.factor.number

    @admin.display(description=_("success factor"), ordering="factor__title")
    def factor_title(self, obj):
        return obj.factor.title

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        return render_to_string("includes/status_badge.html", {"status": Status(obj.status)})

    # --- saving ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not form.edited_fields:
            return
        saved = update_implementation(
            implementation=obj,
            values=form.values(),
            expected_version=form.cleaned_data["version"],
            user=request.user,
        )
        obj.version, obj.updated_at, obj.updated_by = (
            saved.version,
            saved.updated_at,
            saved.updated_by,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Someone saved in the instant between our check and the row lock.
            self.message_user(
                request,
                gettext(
                    "Someone else saved this entry at the same moment; your change was not "
                    "saved. Please check the current values and save again."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    # --- history: read-only --------------------------------------------------------------

    def get_historical_record_context_helper(self, request, historical_record):
        return ImplementationHistoryHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's past-version page would save a POST even with revert
        # disabled; history is read-only, so only GET is allowed.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    # simple-history's German catalogue lacks the titles of its read-only pages.
    def history_view_title(self, request, obj):
        return gettext("View history: %s") % obj

    def history_form_view_title(self, request, obj):
        return gettext("View %s") % obj

    def has_change_history_permission(self, request, obj=None):
        return False

    def has_view_history_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)
