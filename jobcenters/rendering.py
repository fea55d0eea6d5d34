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

from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape


def _text(value):
    """{{ value }} with autoescaping, as the template engine writes it."""
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
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_text(_formatted(value))}"')
    return "".join(parts)


def _input(widget):
    value = widget["value"]
    value = "" if value is None else f' value="{_text(_formatted(value))}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _select(widget):
    options = []
    for _group_name, group_choices, _index in widget["optgroups"]:
        for option in group_choices:
            options.append(
                f'\n  <option value="{_text(_formatted(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
    start = f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{start}{''.join(options)}\n</select>"


def _textarea(widget):
    value = _text(widget["value"]) if widget["value"] else ""
    start = f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{start}\n{value}</textarea>"


def _label(context):
    if not context["use_tag"]:
        return _text(context["label"])
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>"


def _field(context):
    field = context["field"]
    label = str(field.label_tag()) if field.label else ""
    help_text = ""
    if field.help_text:
        help_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
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
