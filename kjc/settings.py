"""Settings for KJC Monitor, read from environment variables with safe defaults.

See the configuration table in README.md. A malformed value stops start-up with
an ImproperlyConfigured message naming the variable.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kjc.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (e.g. SECRET_KEY=$(openssl rand -hex 32))."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "pagecache",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "factors",
    "jobcenters",
    "reports",
    "public",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' public pages from the cache, before the rest of the stack
    # (pagecache/middleware.py); after the two above: HTTPS redirect, security headers, static.
    "pagecache.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cache-Control: private, no-store on every signed-in answer, whichever layer made it.
    "kjc.middleware.PrivatePagesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified() (django-otp), then the second-factor gate (accounts/).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kjc.middleware.PermissionsPolicyMiddleware",
    "kjc.middleware.SessionActivityMiddleware",
    # Records request.user as the author of every history entry written in a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Innermost, so a database outage in any view becomes the 503 page.
    "kjc.middleware.DatabaseUnavailableMiddleware",
    # axes turns a locked-out login into the lockout page; its docs want it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kjc.urls"
WSGI_APPLICATION = "kjc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kjc.context_processors.site",
            ],
        },
    },
    {
        # Only for the tables with hundreds or thousands of rows: the matrix
        # (public/matrix.py) and the dashboard's lists and comparisons
        # ({% jinja2_include %} in reports_tags). Django's template language takes
        # about twice as long for such loops.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "kjc.jinja2.environment"},
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered public pages are cached per data state (pagecache/middleware.py). Each process
# has its own memory cache by default; CACHE_URL=redis://127.0.0.1:6379/0 shares one.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} must be a redis:// URL.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}

# The lockout check (django-axes) must come first; see kjc/security.py.
AUTHENTICATION_BACKENDS = ["kjc.security.LockoutBackend", "jobcenters.auth.DemoAwareModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The user name (or the e-mail's local part) anywhere in the password, e.g. twice.
    {"NAME": "accounts.validators.NameInPasswordValidator"},
]
LOGIN_URL = "accounts:login"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# English dates in ISO / day-month order (kjc/formats/en/formats.py), never US.
FORMAT_MODULE_PATH = ["kjc.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening; all of it is harmless behind DEBUG=1 on http://127.0.0.1.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and the container HEALTHCHECK probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kjc-monitor@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- KJC Monitor ---------------------------------------------------------------
# An entry not changed for this many months counts as stale.
KJC_STALE_MONTHS = env_int("KJC_STALE_MONTHS", 6, minimum=1)
# Optional review step: jobcenter staff changes wait for release by the coordination office.
KJC_REVIEW_REQUIRED = env_bool("KJC_REVIEW_REQUIRED", False)
# The largest file a staff upload may have (status spreadsheet, catalogue); a bigger
# request body is refused before it is read (kjc/uploads.py).
KJC_UPLOAD_MAX_BYTES = env_int("KJC_UPLOAD_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# Demo accounts (password "demo") can log in only on a DEBUG (development) site.
KJC_DEMO_LOGINS = DEBUG
# Operator details for Impressum and Kontakt; empty means "to be completed".
KJC_OPERATOR_NAME = env_str("KJC_OPERATOR_NAME")
KJC_OPERATOR_ADDRESS = env_str("KJC_OPERATOR_ADDRESS")
KJC_OPERATOR_EMAIL = env_str("KJC_OPERATOR_EMAIL")
KJC_OPERATOR_PHONE = env_str("KJC_OPERATOR_PHONE")
# Settings a public page shows or that shape it: part of every page-cache key and ETag.
PAGE_CACHE_SETTINGS = [
    "KJC_OPERATOR_NAME",
    "KJC_OPERATOR_ADDRESS",
    "KJC_OPERATOR_EMAIL",
    "KJC_OPERATOR_PHONE",
    "KJC_STALE_MONTHS",
    "KJC_ADMIN_PATH",  # robots.txt names it
]
# /bench/floor (no database, no template), the floor bench/run compares pages to;
# the URL exists only when this is on (bench/run sets KJC_BENCH=1).
KJC_BENCH = env_bool("KJC_BENCH", False)
# Where the Django admin lives; moving it off /admin/ cuts noise from scanners.
KJC_ADMIN_PATH = env_str("KJC_ADMIN_PATH", "admin/").strip("/") + "/"
# History is read-only in the admin: nobody reverts, edits or deletes it through the UI.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Security (login lockout, CSP, headers) -------------------------------------
# Owned by the security work; see kjc/security.py and kjc/middleware.py.
# Five failed logins for one username from one address lock that pair for an hour;
# a successful login clears the count. Unlock: admin › Axes › Access attempts, or
# `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Only failed attempts are stored; a log of every successful login is not needed.
AXES_DISABLE_ACCESS_LOG = True
# Number of reverse proxies in front of the app that append the client's address to
# X-Forwarded-For (1 for nginx with $proxy_add_x_forwarded_for). 0 trusts no header:
# behind a proxy every client would then count as the proxy's address.
KJC_TRUSTED_PROXIES = env_int("KJC_TRUSTED_PROXIES", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "kjc.security.client_ip"
AXES_USERNAME_CALLABLE = "kjc.security.lockout_username"
# Failures and lockouts are logged (WARNING); each successful login and the start-up
# banner on every manage.py command are not.
AXES_VERBOSE = False
LOGGING.setdefault("loggers", {})["axes"] = {"level": "WARNING"}

# Signed-in sessions end after this many minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=2) * 60
# The idle clock is reset at most this often (one session write per interval).
KJC_SESSION_REFRESH_SECONDS = 60

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# django-csp 4: no inline script or style anywhere, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the site never uses, switched off (kjc.middleware).
KJC_PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
}
# --- Accounts (accounts/: invitation, password reset, two-factor, audit list) --------
# Days an invitation link stays valid (it is void anyway once the password is set).
KJC_INVITATION_DAYS = env_int("KJC_INVITATION_DAYS", 7, minimum=1)
# Password-reset links are valid for this many hours.
PASSWORD_RESET_TIMEOUT = env_int("KJC_PASSWORD_RESET_HOURS", 24, minimum=1) * 3600
# Reset mails per hour for one address (twice as many per client address).
KJC_PASSWORD_RESET_LIMIT = env_int("KJC_PASSWORD_RESET_LIMIT", 3, minimum=1)
# Second factor (django-otp) for jobcenter staff too; the coordination office and the
# directors always need one. Off with DEBUG so the demo logins keep working.
KJC_REQUIRE_2FA = env_bool("KJC_REQUIRE_2FA", not DEBUG)
# Failed sign-ins and wrong codes for one account, from any address, within the window
# pause that account (on top of axes' lock per user name and address).
KJC_ACCOUNT_FAILURE_LIMIT = env_int("KJC_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
KJC_ACCOUNT_LOCK_WINDOW = timedelta(hours=1)
# The issuer shown in the authenticator app.
OTP_TOTP_ISSUER = "KJC Monitor"

# Absolute base URL for links in e-mails (reminders, digest), e.g. https://kjc-monitor.example.org
KJC_SITE_URL = env_str("KJC_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
