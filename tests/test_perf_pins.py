"""Guards for the speed work of issue 5: fast paths must give the slow path's output."""

from django.forms.renderers import get_default_renderer

from jobcenters.forms import EditorRowForm
from jobcenters.models import Implementation, Status
from jobcenters.rendering import renderer as python_renderer

from .base import PersonaTestCase


class EditorRendererTests(PersonaTestCase):
    """The editor's Python field renderer writes what Django's templates write."""

    def rendered(self, data, renderer):
        row = Implementation.objects.filter(jobcenter=self.jobcenter_a).first()
        row.public_note = 'Ein "Zitat" & <b>Markup</b>'
        form = EditorRowForm(data, instance=row, prefix=f"row-{row.pk}", renderer=renderer)
        if data is not None:
            form.is_valid()
        return [str(form["version"])] + [str(f.as_field_group()) for f in form.visible_fields()]

    def assert_same(self, data):
        fast = self.rendered(data, python_renderer)
        django = self.rendered(data, get_default_renderer())
        self.assertEqual(len(fast), 8)  # version + the seven editable fields
        for ours, theirs in zip(fast, django, strict=True):
            self.assertEqual(ours, theirs)

    def test_unbound(self):
        self.assert_same(None)

    def test_with_errors(self):
        row = Implementation.objects.filter(jobcenter=self.jobcenter_a).first()
        prefix = f"row-{row.pk}"
        self.assert_same(
            {
                f"{prefix}-version": str(row.version),
                f"{prefix}-status": Status.NOT_APPLICABLE,
                f"{prefix}-progress": "500",
                f"{prefix}-not_applicable_reason": "",
                f"{prefix}-public_note": "<i>x</i>\r\n& y",
                f"{prefix}-internal_note": "",
                f"{prefix}-evidence_url": "not a url",
                f"{prefix}-target_date": "31.02.2026",
            }
        )

    def test_other_templates_fall_back_to_django(self):
        # An error list is not among the Python fast paths: Django's template renders it.
        html = python_renderer.render(
            "django/forms/errors/list/ul.html", {"errors": ["x"], "error_class": "errorlist"}
        )
        self.assertIn('<ul class="errorlist"><li>x</li></ul>', html)
