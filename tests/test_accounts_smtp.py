"""The invitation through a real SMTP conversation: aiosmtpd on 127.0.0.1, Django's SMTP
backend, the received message parsed and its link followed to a signed-in session."""

import importlib.metadata
import importlib.util
import re
import socket
import sys
from email import message_from_bytes
from email.policy import default as default_policy

from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from tests.base import PersonaTestCase

NEW_PASSWORD = "Tq8!vle3Wmz5#r"


def import_smtp_controller():
    """aiosmtpd's Controller. aiosmtpd imports `public` (its dependency atpublic), a name
    this project's `public` app takes first on sys.path; hand it atpublic's module while
    aiosmtpd is imported, then put ours back."""
    init = importlib.metadata.distribution("atpublic").locate_file("public/__init__.py")
    spec = importlib.util.spec_from_file_location(
        "public", init, submodule_search_locations=[str(init.parent)]
    )
    atpublic = importlib.util.module_from_spec(spec)
    before = {
        name: module
        for name, module in sys.modules.items()
        if name == "public" or name.startswith("public.")
    }
    sys.modules["public"] = atpublic
    try:
        spec.loader.exec_module(atpublic)
        from aiosmtpd.controller import Controller
    finally:
        for name in [n for n in sys.modules if n == "public" or n.startswith("public.")]:
            if name not in before:
                del sys.modules[name]
        sys.modules.update(before)
    return Controller


Controller = import_smtp_controller()


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RealSmtpInvitationTests(PersonaTestCase):
    def setUp(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.smtp.start()
        self.addCleanup(self.smtp.stop)

    def test_invitation_arrives_and_its_link_sets_the_password(self):
        smtp_settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            KJC_SITE_URL="http://testserver",
            KJC_REQUIRE_2FA=False,
        )
        with smtp_settings:
            self.login(self.coordinator)
            response = self.client.post(
                reverse("accounts:invite"),
                {
                    "username": "jc-smtp",
                    "first_name": "Sam",
                    "last_name": "Schmidt",
                    "email": "sam.schmidt@example.org",
                    "jobcenter": self.jobcenter_b.pk,
                },
            )
            self.assertRedirects(response, reverse("accounts:account_list"))
            self.client.post(reverse("accounts:logout"))

            self.assertEqual(len(self.inbox.messages), 1)
            recipients, raw = self.inbox.messages[0]
            self.assertEqual(recipients, ["sam.schmidt@example.org"])
            message = message_from_bytes(raw, policy=default_policy)
            self.assertEqual(message["To"], "sam.schmidt@example.org")
            self.assertIn("Einladung", message["Subject"])
            body = message.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Jobcenter B", body)
            link = re.search(r"http://testserver(/konten/einladung/\S+/)", body).group(1)

            page = self.client.get(link, follow=True)
            self.assertContains(page, "jc-smtp")
            response = self.client.post(
                page.redirect_chain[-1][0],
                {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            )
            self.assertRedirects(response, reverse("accounts:invitation_done"))
            response = self.client.post(
                reverse("accounts:login"), {"username": "jc-smtp", "password": NEW_PASSWORD}
            )
            editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_b.district.ags])
            self.assertRedirects(response, editor, fetch_redirect_response=False)
            self.assertEqual(self.client.get(editor).status_code, 200)
        user = get_user_model().objects.get(username="jc-smtp")
        self.assertTrue(user.check_password(NEW_PASSWORD))
