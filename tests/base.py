"""Base test case with the personas every view test speaks as."""

from django.test import TestCase

from jobcenters import roles

from .factories import PASSWORD, confirm_second_factor, make_catalogue, make_jobcenter, make_user


class PersonaTestCase(TestCase):
    """Two jobcenters (A and B) over a small catalogue, and one user per role.

    - staff_a: staff of jobcenter A (the insider)
    - staff_b: staff of jobcenter B (the outsider for A's data)
    - coordinator: coordination office, edits everything
    - director: association director, reads everything, edits nothing
    - anonymous: simply self.client without login
    """

    factor_count = 3

    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        cls.factors = make_catalogue(factors=cls.factor_count)
        cls.jobcenter_a = make_jobcenter(name="Jobcenter A")
        cls.jobcenter_b = make_jobcenter(name="Jobcenter B")
        cls.staff_a = make_user(
            "staff-a", group=roles.JOBCENTER_STAFF, jobcenters=[cls.jobcenter_a]
        )
        cls.staff_b = make_user(
            "staff-b", group=roles.JOBCENTER_STAFF, jobcenters=[cls.jobcenter_b]
        )
        cls.coordinator = make_user("coordinator", group=roles.COORDINATION)
        cls.director = make_user("director", group=roles.DIRECTORS)

    def login(self, user, *, second_factor=True):
        """A real login through the auth backend, as a browser would do it; by default
        with the second factor confirmed (tests/test_accounts*.py test that step)."""
        self.assertTrue(self.client.login(username=user.username, password=PASSWORD))
        if second_factor:
            confirm_second_factor(self.client, user)
        return user
