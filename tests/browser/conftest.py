"""Real-browser fixtures: Debian's chromium driven by Playwright, axe-core from npm.

Without /usr/bin/chromium (or axe-core) the browser tests are skipped with a plain
reason; with KJC_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails instead.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KJC_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Collects every Content-Security-Policy violation the page triggers.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses
# queries there unless told that this test-only use is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not AXE_JS.exists():
        return "axe-core not installed (npm ci)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) not installed"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if not reason:
        return
    if os.environ.get("KJC_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Browser tests are required here, but {reason}.")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class RecordedPage:
    """A page that records every request it makes, so tests can prove none leaves 127.0.0.1."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests = []
        page.on("request", lambda request: self.requests.append(request.url))

    def goto(self, path):
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        return response

    def external_requests(self):
        external = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in {"data", "blob", "about"}:
                continue
            if parts.hostname not in LOCAL_HOSTS:
                external.append(url)
        return external

    def csp_violations(self):
        return self.page.evaluate("() => window.__cspViolations || []")

    def axe_violations(self):
        """axe-core's WCAG 2.1 A/AA violations on the current page, as short strings."""
        result = self.page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} – "
            + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
            for v in result["violations"]
        ]


@pytest.fixture
def make_page(browser, live_server):
    contexts = []

    def factory(*, width=1280, height=900, language="de"):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="de-DE" if language == "de" else "en-GB",
            extra_http_headers={"Accept-Language": language},
        )
        # An init script is injected by the browser itself, so the site's strict
        # Content-Security-Policy stays on while axe-core runs.
        context.add_init_script(script=AXE_JS.read_text(encoding="utf-8"))
        context.add_init_script(script=CSP_RECORDER)
        contexts.append(context)
        return RecordedPage(context.new_page(), live_server.url)

    yield factory
    for context in contexts:
        context.close()
