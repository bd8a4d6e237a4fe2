"""Settings, read from the environment (see DEVELOPERS.md for every variable).

Development (the default) keeps everything under ``var/`` and generates the keys it needs there;
``CUNXIN_MODE=production`` demands real keys from the environment and turns on every security
setting, so that ``cunxin check --deploy`` reports nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from cunxin.core.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(env_str("CUNXIN_DATA_DIR", str(PROJECT_DIR / "var")))

MODE = env_str("CUNXIN_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"CUNXIN_MODE={MODE!r}: use development or production")
PRODUCTION = MODE == "production"


def _dev_secret(name: str, factory: str) -> str:
    """A key kept in var/ for development and the demo; production must set it explicitly."""
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"{name.lower()}.key"
    if not path.exists():
        value = secrets.token_urlsafe(48) if factory == "token" else _fernet_key()
        path.write_text(value)
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = env_str("SECRET_KEY") or _dev_secret("SECRET_KEY", "token")
# ID numbers are encrypted with the first key; older keys still decrypt (rotation).
PII_KEYS = env_list("CUNXIN_PII_KEYS", []) or [_dev_secret("CUNXIN_PII_KEYS", "fernet")]
# The keyed hash that finds an ID number without decrypting; changing it needs a re-hash.
PII_HASH_KEY = env_str("CUNXIN_PII_HASH_KEY") or _dev_secret("CUNXIN_PII_HASH_KEY", "token")
# The ledger's chain links are HMACs under these keys, written ``id:secret``: the first signs
# new links, every listed one verifies the links it signed (rotation). Not in the database, so
# that a database writer can neither extend nor rewrite a village's chain.
LEDGER_KEYS = env_list("CUNXIN_LEDGER_KEYS", []) or [
    "dev:" + _dev_secret("CUNXIN_LEDGER_KEYS", "token")
]

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "ninja",
    "django.contrib.staticfiles",
    "cunxin.core",
    "cunxin.regions",
    "cunxin.units",
    "cunxin.accounts",
    "cunxin.people",
    "cunxin.policy",
    "cunxin.ledger",
    "cunxin.records",
    "cunxin.notifications",
    "cunxin.public",
    "cunxin.blacklist",
    "cunxin.volunteering",
    "cunxin.honours",
    "cunxin.cards",
    "cunxin.shop",
    "cunxin.coupons",
    "cunxin.fund",
    "cunxin.merchants",
    "cunxin.workdays",
    "cunxin.web",
    "cunxin.demo",
]

MIDDLEWARE = [
    "cunxin.core.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cunxin.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and CSRF read cookies and the body (see core/middleware.py).
    "cunxin.core.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cunxin.accounts.middleware.PasswordChangeRequiredMiddleware",
    "cunxin.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "cunxin.urls"
WSGI_APPLICATION = "cunxin.wsgi.application"

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
                "cunxin.web.context.navigation",
                "cunxin.web.context.statuses",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# The only backend: it checks a password only for an attempt the login limiter admitted.
AUTHENTICATION_BACKENDS = ["cunxin.accounts.backends.LimitedBackend"]
# The login limiter (accounts/limiter.py): failures allowed per phone number (or known device)
# and per client address before a challenge is asked; past it a phone also waits between tries,
# from the base doubling up to the maximum. A key's count is forgotten after the window.
LOGIN_MAX_FAILURES_PER_PHONE = env_int("LOGIN_MAX_FAILURES_PER_PHONE", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_WAIT_BASE_SECONDS = env_int("LOGIN_WAIT_BASE_SECONDS", 2)
LOGIN_WAIT_MAX_SECONDS = env_int("LOGIN_WAIT_MAX_SECONDS", 5 * 60)
# The reverse proxies in front of the application (addresses or networks): X-Forwarded-For is
# believed only from them (core/proxies.py). Empty: the header is ignored.
TRUSTED_PROXIES = env_list("CUNXIN_TRUSTED_PROXIES", [])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
NODE_MODULES = PROJECT_DIR / "node_modules"
# Front-end packages are pinned in package.json and served from our own static files.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/weui", NODE_MODULES / "weui" / "dist" / "style"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/html5-qrcode", NODE_MODULES / "html5-qrcode"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
ROSTER_MAX_BYTES = env_int("ROSTER_MAX_BYTES", 20 * 1024 * 1024)
# Office hours on working days (in TIME_ZONE), the one place every working-time deadline reads.
WORKDAY_HOURS = env_str("WORKDAY_HOURS", "08:30-12:00,13:30-17:30")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Sent on every response (core/csp.py). Every asset is our own and no page has inline script or
# style, so nothing else may run or style a page. data: images are WeUI's icons in its CSS; blob:
# is the camera scanner's video and the photos shrunk on the phone before upload.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "media-src": "'self' blob:",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# SMS: the default backend writes each message to the log (a later issue adds a real gateway).
SMS_BACKEND = env_str("SMS_BACKEND", "cunxin.core.sms.LogBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of a PDF at INFO; only its warnings matter.
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
