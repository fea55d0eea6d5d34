"""A form renderer that writes Django's own field and widget markup in Python.

The one-screen editor shows 35 rows × 7 fields: with Django's template-based renderer
that is ~1,000 small template renders (field group, label, widget, attributes, one per
<option>) and was most of the page's time. Django still computes everything that
matters (ids, labels, help texts, required, aria-describedby, aria-invalid, values,
selected options) in Python; only the final step, turning that context into text, is
done here for the templates listed below, with the same output byte for byte as Django
5.2's templates (``django/forms/field.html``, ``label.html``, ``attrs.html``,
``widgets/input.html``, ``select.html``, ``select_option.html``, ``textarea.html``).
Any other template (error lists, fieldsets, option groups) goes to Django's renderer.
"""

import html

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.template.defaultfilters import stringformat
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import get_language, gettext

from kjc.dates import date_writer


def escape_text(value):
    """{{ value }} with autoescaping, as the template engine writes it."""
    if type(value) is str:
        # Most values: Django's escape() without its lazy-string wrapper.
        return html.escape(value)
    if type(value) is int and -1000 < value < 1000:
        # Versions and factor numbers: localize() writes no separator below 1,000.
        return str(value)
    return conditional_escape(str(localize(value)))


def _formatted(value):
    """{{ value|stringformat:'s' }}: the filter keeps safe strings safe (is_safe)."""
    return value if hasattr(value, "__html__") else stringformat(value, "s")


def _attrs(attrs):
    """django/forms/attrs.html and widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {escape_text(name)}")
        else:
            parts.append(f' {escape_text(name)}="{escape_text(_formatted(value))}"')
    return "".join(parts)


def _input(widget):
    value = widget["value"]
    value = "" if value is None else f' value="{escape_text(_formatted(value))}"'
    return (
        f'<input type="{escape_text(widget["type"])}" name="{escape_text(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _select(widget):
    options = []
    for _group_name, group_choices, _index in widget["optgroups"]:
        for option in group_choices:
            options.append(
                f'\n  <option value="{escape_text(_formatted(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{escape_text(option['label'])}</option>\n"
            )
    start = f'<select name="{escape_text(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{start}{''.join(options)}\n</select>"


def _textarea(widget):
    value = escape_text(widget["value"]) if widget["value"] else ""
    start = f'<textarea name="{escape_text(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{start}\n{value}</textarea>"


def _label(context):
    if not context["use_tag"]:
        return escape_text(context["label"])
    tag = escape_text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{escape_text(context['label'])}</{tag}>"


def _field(context):
    field = context["field"]
    label = str(field.label_tag()) if field.label else ""
    help_text = ""
    if field.help_text:
        help_id = f' id="{escape_text(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
    errors = str(field.errors) if field.errors else ""  # an empty list renders as ""
    return f"\n  {label}\n\n{help_text}\n{errors}\n{field}\n".strip()


INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "date", "url", "email", "hidden", "password")
}


class PythonFieldRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == "django/forms/field.html" and not context["field"].use_fieldset:
            return _field(context)
        if template_name == "django/forms/label.html":
            return _label(context)
        widget = context.get("widget")
        if template_name in INPUT_TEMPLATES:
            return _input(widget)
        if template_name == "django/forms/widgets/textarea.html":
            return _textarea(widget)
        if template_name == "django/forms/widgets/select.html" and not any(
            group_name for group_name, _choices, _index in widget["optgroups"]
        ):
            return _select(widget)
        return super().render(template_name, context, request)


# One instance: the fallback's template engine is built once per process.
renderer = PythonFieldRenderer()


# --- Rows shown as stored: no form per row -----------------------------------------
#
# An untouched row of the one-screen editor is an unbound form whose markup depends only
# on the language, the row's prefix and its stored values. Building 35 ModelForms and
# rendering 280 bound fields was most of the page's time, so the markup is taken once per
# language from a prototype form rendered by Django (with a placeholder prefix), and each
# row only fills in its prefix and values. tests/test_perf_pins.py compares the result
# with Django's own template rendering of the real form.

_PREFIX = "\x00prefix\x00"
# Stands for a row's primary key in a URL reversed once for all rows.
PK_PLACEHOLDER = "__pk__"
_VALUE = "\x00value\x00"
_GROUP = "\x00group\x00"


def field_groups(groups):
    """The field groups of one row (`groups`: [(field name, safe HTML)]), as
    templates/jobcenters/includes/editor_row.html places them."""
    return mark_safe(
        "".join(f'\n    <div class="field field-{name}">{group}</div>' for name, group in groups)
    )


# Per language: the row's fixed texts (gettext once per process, not 4 × 35 times a page).
_ROW_TEXTS = {}


def _row_texts():
    language = get_language()
    texts = _ROW_TEXTS.get(language)
    if texts is None:
        texts = _ROW_TEXTS[language] = {
            "number": gettext("Factor %(number)s"),
            "by": gettext("Last changed %(when)s by %(who)s (version %(version)s)"),
            "anonymous": gettext("Last changed %(when)s (version %(version)s)"),
            "demo": f'<span class="demo-label">{escape_text(gettext("demo data"))}</span>',
            "history": escape_text(gettext("History")),
        }
    return texts


class Run:
    """Consecutive rows of the editor written in Python, as the template's loop would
    write them one by one (see PlainRows.runs)."""

    def __init__(self, rows):
        self.html = mark_safe(PlainRows.BETWEEN_ROWS.join(rows))


class PlainRows:
    """templates/jobcenters/includes/editor_row.html for rows shown as stored,
    without draft or errors (most rows, most of the time): 35 template renders
    with their translations, dates and URL reversals were half of the page.

    One per page: what is the same for every row (language, time zone, date
    format, the history link) is looked up once. `history_url` is the history
    page with PK_PLACEHOLDER for the row's primary key.
    """

    def __init__(self, history_url):
        self.history_url = history_url
        self.texts = _row_texts()
        self.timezone = get_current_timezone()
        self.write_date = date_writer(get_format("SHORT_DATETIME_FORMAT"))

    # What templates/jobcenters/editor.html writes between two rows of a theme.
    BETWEEN_ROWS = "\n    \n    "

    @classmethod
    def runs(cls, forms):
        """`forms` with each run of rows written in Python joined into one: the
        template's loop then does one step per run, not per row. Another form (a
        row with a draft or errors) stays a form, which the template renders."""
        items = []
        for form in forms:
            if form.html is None:
                items.append(form)
            elif items and isinstance(items[-1], list):
                items[-1].append(form.html)
            else:
                items.append([form.html])
        return [Run(item) if isinstance(item, list) else item for item in items]

    def when(self, value):
        """date_format(localtime(value), "SHORT_DATETIME_FORMAT"), without looking
        up the format and the time zone and splitting the format for every row."""
        return self.write_date(localtime(value, self.timezone))

    def row(self, row, version, groups):
        """One row's fieldset; `row` has the attributes of an Implementation with
        its factor (see forms.StoredRow), `updated_by` the user or their name."""
        texts = self.texts
        factor = escape_text(row.factor.number)
        number = texts["number"] % {"number": factor}
        when = escape_text(self.when(row.updated_at))
        if row.updated_by is not None:
            meta = texts["by"] % {
                "when": when,
                "who": escape_text(row.updated_by),
                "version": escape_text(row.version),
            }
        else:
            meta = texts["anonymous"] % {"when": when, "version": escape_text(row.version)}
        demo = texts["demo"] if row.is_demo else ""
        history = escape_text(self.history_url.replace(PK_PLACEHOLDER, str(row.pk)))
        return mark_safe(
            f'<fieldset class="factor" id="factor-{factor}">\n'
            f'  <legend><span class="factor-number">{number}</span> '
            f'<span class="factor-title">{escape_text(row.factor.title)}</span></legend>\n'
            f"  \n  \n  {version}\n"
            f'  <div class="fields">{groups}\n  </div>\n'
            f'  <p class="row-meta">\n    \n      {meta}\n    \n'
            f'    <a href="{history}">{texts["history"]}'
            f'<span class="visually-hidden"> – {number}</span></a>\n'
            f"    {demo}\n  </p>\n</fieldset>\n"
        )


def _compiled(markup, wrap):
    """A str.format pattern of `markup` (with _PREFIX and maybe _VALUE in it):
    {0} the row's prefix, {1} the escaped value; `wrap` puts it in a field group's
    <div> (see field_groups)."""
    markup = markup.replace("{", "{{").replace("}", "}}")
    markup = markup.replace(_PREFIX, "{0}").replace(_VALUE, "{1}")
    return wrap.replace("{", "{{").replace("}", "}}").replace(_GROUP, markup)


class _Part:
    """One field of the prototype form: its markup with the row's prefix and value
    left open, as str.format patterns (one C call per field and row)."""

    def __init__(self, bound_field, group):
        self.name = bound_field.name
        self.field = bound_field.field
        self.widget = bound_field.field.widget
        widget_html = str(bound_field)
        full = str(bound_field.as_field_group()) if group else widget_html
        if not full.endswith(widget_html):
            raise ValueError(f"unexpected markup for {self.name}")
        self.head = full[: -len(widget_html)]
        # A field group goes into its <div> (field_groups); the hidden version does not.
        self.wrap = field_groups([(self.name, _GROUP)]) if group else _GROUP
        self.bound_field = bound_field
        self.kind = None
        self.options = {}
        if isinstance(self.widget, forms.Select) and not self.widget.allow_multiple_selected:
            self.kind = "select"
            for value, _label in self.field.choices:
                self.options[str(value)] = _compiled(self.head + self._render(value), self.wrap)
        elif isinstance(self.widget, forms.Textarea | Input):
            html = self._render(_VALUE)
            if html.count(_VALUE) != 1:
                raise ValueError(f"unexpected markup for {self.name}")
            self.with_value = _compiled(self.head + html, self.wrap)
            self.kind = "textarea" if isinstance(self.widget, forms.Textarea) else "input"
            if self.kind == "input":
                # Without a value Django leaves out the whole value="…" attribute.
                before, after = html.split(_VALUE)
                if not (before.endswith(' value="') and after.startswith('"')):
                    raise ValueError(f"unexpected markup for {self.name}")
                self.empty = _compiled(
                    self.head + before[: -len(' value="')] + after[1:], self.wrap
                )

    def _render(self, value):
        """The widget as BoundField.as_widget renders it, with this value."""
        bound_field = self.bound_field
        attrs = bound_field.build_widget_attrs({}, self.widget)
        if bound_field.auto_id and "id" not in self.widget.attrs:
            attrs.setdefault("id", bound_field.auto_id)
        return self.widget.render(
            bound_field.html_name, value, attrs=attrs, renderer=bound_field.form.renderer
        )

    def render(self, value, prefix):
        """The field (group, with its <div> when it is one) of a row with this value."""
        value = self.field.prepare_value(value)
        kind = self.kind
        if kind == "select":
            pattern = self.options.get(str(value))
            if pattern is not None:
                return pattern.format(prefix)
        elif kind == "input":
            shown = self.widget.format_value(value)
            if shown is None:
                return self.empty.format(prefix)
            if type(shown) is not str:
                shown = _formatted(shown)
            return self.with_value.format(prefix, escape_text(shown))
        elif kind == "textarea":
            shown = self.widget.format_value(value)
            return self.with_value.format(prefix, escape_text(shown) if shown else "")
        markup = (self.head + self._render(value)).replace(_PREFIX, prefix)
        return self.wrap.replace(_GROUP, markup)


class StoredRows:
    """Renders unbound rows of `form_class` from their instances (see above)."""

    def __init__(self, form_class):
        self.form_class = form_class
        self._parts = {}

    def parts(self):
        language = get_language()
        if language not in self._parts:
            prototype = self.form_class(prefix=_PREFIX)
            self._parts[language] = (
                _Part(prototype["version"], group=False),
                [_Part(field, group=True) for field in prototype.visible_fields()],
            )
        return self._parts[language]

    def render(self, instance, prefix, version):
        """(the hidden version input, the field groups) of one row."""
        version_part, parts = self.parts()
        groups = "".join([part.render(getattr(instance, part.name), prefix) for part in parts])
        return mark_safe(version_part.render(version, prefix)), mark_safe(groups)
