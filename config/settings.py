"""Lotsa settings, read from the environment.

Production is the default: DEBUG is off and HTTPS is assumed. The demo (``make demo``) sets
``LOTSA_DEMO=1``, which serves over plain HTTP on the loopback address and allows demo data.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOTSA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_durations(name: str, default: str = "") -> dict[str, timedelta]:
    """``key=time`` pairs, comma-separated, each time in hours (``36h``) or days (``14d``)."""
    durations = {}
    for item in env_list(name, default):
        key, _sep, amount = item.partition("=")
        unit = {"h": "hours", "d": "days"}.get(amount.strip()[-1:])
        if not key.strip() or unit is None or not amount.strip()[:-1].isdigit():
            raise ImproperlyConfigured(f"{name}: write key=36h or key=14d, not {item!r}")
        durations[key.strip()] = timedelta(**{unit: int(amount.strip()[:-1])})
    return durations


DEMO_MODE = env_bool("LOTSA_DEMO")
DEBUG = env_bool("DEBUG")
HTTPS = env_bool("LOTSA_HTTPS", default=not DEMO_MODE)


def _secret_key() -> str:
    if value := os.environ.get("SECRET_KEY"):
        return value
    key_file = Path(os.environ.get("SECRET_KEY_FILE", VAR_DIR / "secret_key"))
    if key_file.exists():
        return key_file.read_text().strip()
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable, point SECRET_KEY_FILE at a "
        "file holding it, or run `python manage.py generate_keys` to create var/secret_key."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    "lotsa",
    "audit",
    "accounts",
    "cases",
    "consent",
    "sig",
    "defectors",
    "relatives",
    "supervision",
    "coordination",
    "notifications",
    "retention",
    "django_q",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lotsa.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lotsa.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "lotsa.middleware.AuditlogActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.SingleLogoutFormActionMiddleware",  # after CSP: its update is read by it
    "lotsa.middleware.NoStoreMiddleware",
    "lotsa.middleware.AccessDeniedMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates", BASE_DIR / "lotsa" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.lotsa",
                "consent.context_processors.emergency_banner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lotsa.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "lotsa.db.sqlite3"
    # IMMEDIATE takes the write lock when a transaction starts, so two transactions can never both
    # read the audit chain's head and then both append to it.
    # WAL lets readers work while one transaction writes, and commits without a full sync each time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Single sign-on and break-glass accounts (accounts/local_login.py, docs/operations.md, "Logging in").
# Production is what is neither the demo nor DEBUG (the test settings say they are not production).
# There staff log in through the city's identity provider (LOTSA_SINGLE_SIGN_ON); a password with a
# second factor works only for the few accounts named in LOTSA_BREAK_GLASS_ACCOUNTS (usernames, comma
# separated), and each such login waits for review at the supervisor's desk. `check --deploy` fails
# when neither is set (lotsa.E031).
LOTSA_PRODUCTION = not (DEMO_MODE or DEBUG)
LOTSA_SINGLE_SIGN_ON = env_bool("LOTSA_SINGLE_SIGN_ON")
LOTSA_BREAK_GLASS_ACCOUNTS = env_list("LOTSA_BREAK_GLASS_ACCOUNTS")

# Lockout after repeated failures (django-axes), counted per username (so spreading attempts
# over many addresses does not help) and per address (so spraying many usernames does not either).
# An administrator can lift a lockout early.
AXES_FAILURE_LIMIT = int(os.environ.get("LOTSA_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOTSA_LOCKOUT_MINUTES", "30")))
# A username is locked at one address, not the address itself: a district's staff share one outgoing
# address, and one colleague's typos (or one attacker) must not lock them all out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address as a whole is locked only after this many failures over every username within the
# cool-off time (guessing across many accounts). axes has one threshold, so this one is applied by
# accounts.lockout, where the login page checks it before any password.
LOTSA_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("LOTSA_LOCKOUT_ADDRESS_FAILURES", "100"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_IPWARE_PROXY_COUNT = None
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_CLIENT_IP_CALLABLE = "lotsa.middleware.client_ip_for_axes"

# Sessions: idle timeout and absolute lifetime are enforced by accounts.middleware.
LOTSA_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("LOTSA_IDLE_TIMEOUT_MINUTES", "15")))
LOTSA_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("LOTSA_SESSION_LIFETIME_HOURS", "10")))
SESSION_COOKIE_AGE = int(LOTSA_SESSION_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_NAME = "lotsa_session"
CSRF_COOKIE_HTTPONLY = True
OTP_TOTP_ISSUER = "Lotsa"
OTP_TOTP_THROTTLE_FACTOR = 1
# Passkeys as a second factor (accounts/passkeys.py, django-otp-webauthn), never as a login alone. They
# are bound to the relying party's domain: LOTSA_PASSKEY_RP_ID (the public host name, e.g.
# lotsa.stad.se), else the host a request came to. Origins accepted besides the request's own:
# LOTSA_PASSKEY_ORIGINS, e.g. https://lotsa.stad.se.
LOTSA_PASSKEY_RP_ID = os.environ.get("LOTSA_PASSKEY_RP_ID", "")
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = "Lotsa"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("LOTSA_PASSKEY_ORIGINS") or (
    [f"https://{host}" for host in ALLOWED_HOSTS if not host.startswith((".", "*"))]
    if HTTPS
    else ["http://localhost"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.LotsaWebAuthnHelper"

# --- Single sign-on with OpenID Connect (accounts.oidc; docs/operations.md, "A city's login provider")
# Off while LOTSA_OIDC_ISSUER is empty. The secret comes from the environment or a file, never the repo.
LOTSA_OIDC_ISSUER = os.environ.get("LOTSA_OIDC_ISSUER", "").rstrip("/")
LOTSA_OIDC_CLIENT_ID = os.environ.get("LOTSA_OIDC_CLIENT_ID", "")
LOTSA_OIDC_CLIENT_SECRET = os.environ.get("LOTSA_OIDC_CLIENT_SECRET", "")
LOTSA_OIDC_CLIENT_SECRET_FILE = os.environ.get("LOTSA_OIDC_CLIENT_SECRET_FILE", "")
LOTSA_OIDC_SCOPES = os.environ.get("LOTSA_OIDC_SCOPES", "openid profile")
LOTSA_OIDC_CLAIM = os.environ.get("LOTSA_OIDC_CLAIM", "sub")  # the claim an identity link matches
LOTSA_OIDC_NAME = os.environ.get("LOTSA_OIDC_NAME", "")  # shown as "Log in with <name>"
# The provider's assurance levels (acr), lowest first; per role the lowest it needs ("role=acr,...").
# A role that reads personal data or approves access to it and is not named needs the highest.
LOTSA_OIDC_ACR_ORDER = env_list("LOTSA_OIDC_ACR_ORDER")
LOTSA_OIDC_ROLE_ASSURANCE = dict(
    item.split("=", 1) for item in env_list("LOTSA_OIDC_ROLE_ASSURANCE") if "=" in item
)
LOTSA_OIDC_LEEWAY_SECONDS = int(os.environ.get("LOTSA_OIDC_LEEWAY_SECONDS", "30"))
# The root of trust of a new installation (accounts.installation; docs/operations.md, "The first
# accounts"): the claim and value ("name=value", e.g. "groups=lotsa-first-supervisor") the provider's id
# token carries for the first supervisor, assigned by the city's IT department in its own directory. A
# login through an identity link the installation's logins approved is confined until it carries it.
LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM = os.environ.get("LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM", "")
# The provider proves the person anew when its own session is older than this (max_age, auth_time):
# Lotsa's idle timeout is not undone by a provider's session that stays open all day.
LOTSA_SSO_MAX_AGE_SECONDS = int(os.environ.get("LOTSA_SSO_MAX_AGE_SECONDS", "300"))

# --- Single sign-on with SAML 2.0 (accounts.saml; docs/operations.md, "Sweden Connect and SITHS") ----
# Off while the SP entity id, the IdP's entity id, its metadata file or Lotsa's key and certificate are
# missing. The key file lives outside the repository.
LOTSA_SAML_SP_ENTITY_ID = os.environ.get("LOTSA_SAML_SP_ENTITY_ID", "")
LOTSA_SAML_IDP_ENTITY_ID = os.environ.get("LOTSA_SAML_IDP_ENTITY_ID", "")
LOTSA_SAML_IDP_METADATA_FILE = os.environ.get("LOTSA_SAML_IDP_METADATA_FILE", "")  # verified by the operator
LOTSA_SAML_KEY_FILE = os.environ.get("LOTSA_SAML_KEY_FILE", "")  # signs requests, decrypts assertions
LOTSA_SAML_CERT_FILE = os.environ.get("LOTSA_SAML_CERT_FILE", "")
LOTSA_SAML_NAME = os.environ.get("LOTSA_SAML_NAME", "")  # shown as "Log in with <name>"
# The attribute an identity link matches: Sweden Connect's personalIdentityNumber by default; an
# employee or HSA id (urn:oid:1.2.752.29.6.2.1) for SITHS.
LOTSA_SAML_ATTRIBUTE = os.environ.get("LOTSA_SAML_ATTRIBUTE", "urn:oid:1.2.752.29.4.13")
# AuthnContextClassRefs lowest first, and the floor per role (a guarded role not named needs the highest).
LOTSA_SAML_LOA_ORDER = env_list("LOTSA_SAML_LOA_ORDER")
LOTSA_SAML_ROLE_ASSURANCE = dict(
    item.split("=", 1) for item in env_list("LOTSA_SAML_ROLE_ASSURANCE") if "=" in item
)
LOTSA_SAML_LEEWAY_SECONDS = int(os.environ.get("LOTSA_SAML_LEEWAY_SECONDS", "30"))
# The same for SAML: the attribute and value ("name=value", e.g. a group membership
# "urn:oid:1.3.6.1.4.1.5923.1.5.1.1=lotsa-first-supervisor" or an HSA assignment) the assertion carries
# for the first supervisor (accounts.installation).
LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE = os.environ.get("LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE", "")
LOTSA_SAML_XMLSEC_BINARY = os.environ.get("LOTSA_SAML_XMLSEC_BINARY", "")  # found on PATH when empty
_oidc_origin = "{0.scheme}://{0.netloc}".format(urlsplit(LOTSA_OIDC_ISSUER)) if LOTSA_OIDC_ISSUER else ""

# --- HTTPS and headers --------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS and env_bool("LOTSA_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # The city's provider (LOTSA_OIDC_ISSUER): the login and logout forms lead there.
        "form-action": ["'self'", *([_oidc_origin] if _oidc_origin else [])],
    }
}

# The addresses of reverse proxies whose X-Forwarded-For we believe. Nobody else's.
LOTSA_TRUSTED_PROXIES = env_list("LOTSA_TRUSTED_PROXIES")

# --- Keys -----------------------------------------------------------------------------------------
# Master keys and the blind-index key live in a JSON key file outside the repository (see
# docs/operations.md, "Keys"), or in LOTSA_MASTER_KEY_<version> and LOTSA_BLIND_INDEX_KEY.
LOTSA_KEY_FILE = Path(os.environ.get("LOTSA_KEY_FILE", VAR_DIR / "keys.json"))

# --- The access log: sealing and anchors (docs/operations.md, "The sealer and the anchors") ------
# The anchor file is the store the database cannot reach; in production a write-once mount or a
# file fed to remote syslog. The signing key is read by the sealer only; verifiers need the public key.
LOTSA_AUDIT_ANCHOR_FILE = Path(os.environ.get("LOTSA_AUDIT_ANCHOR_FILE", VAR_DIR / "audit-anchors.jsonl"))
LOTSA_AUDIT_ANCHOR_KEY_FILE = Path(
    os.environ.get("LOTSA_AUDIT_ANCHOR_KEY_FILE", VAR_DIR / "audit-anchor.key")
)
LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE = Path(
    os.environ.get("LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE", VAR_DIR / "audit-anchor.pub")
)
# The witness: a second store of the same anchor lines, appended after the anchor file under its own
# lock; verification and the sealer compare the two. Empty: beside the anchor file under its own name
# (audit-anchors.witness.jsonl); in production on another mount or host.
LOTSA_AUDIT_ANCHOR_WITNESS_FILE = os.environ.get("LOTSA_AUDIT_ANCHOR_WITNESS_FILE", "")
# Off by default: a syslog address ("/dev/log", "host:514" over UDP, "tcp://host:514") that receives a
# copy of every anchor line, for an outside party to compare. Lotsa never reads it back.
LOTSA_AUDIT_ANCHOR_SYSLOG = os.environ.get("LOTSA_AUDIT_ANCHOR_SYSLOG", "")
# A checkpoint after this many new seals, or this many seconds after the head moved; a heartbeat
# when idle. Verification fails when the newest anchor is older than the window, or when events
# have waited longer than the grace period to be sealed.
LOTSA_AUDIT_ANCHOR_EVERY_SEALS = int(os.environ.get("LOTSA_AUDIT_ANCHOR_EVERY_SEALS", "20"))
LOTSA_AUDIT_ANCHOR_INTERVAL = float(os.environ.get("LOTSA_AUDIT_ANCHOR_INTERVAL", "10"))
LOTSA_AUDIT_HEARTBEAT = float(os.environ.get("LOTSA_AUDIT_HEARTBEAT", "60"))
LOTSA_AUDIT_ANCHOR_WINDOW = float(os.environ.get("LOTSA_AUDIT_ANCHOR_WINDOW", "120"))
LOTSA_AUDIT_SEAL_GRACE = float(os.environ.get("LOTSA_AUDIT_SEAL_GRACE", "30"))
# How far an anchor's time may go back behind the one before (a clock stepped by NTP), or lie ahead of
# the verifier's clock, before verification reports it.
LOTSA_AUDIT_CLOCK_TOLERANCE = float(os.environ.get("LOTSA_AUDIT_CLOCK_TOLERANCE", "60"))
# The anchor file is rotated when it holds this many records: it moves to an archive beside it
# (named by its numbers) and the new file opens with a copy of its last line. Verification checks
# every signature of the active file, so this bounds its cost (about a second for 5 000 on 2 busy cores);
# 0 never rotates.
LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS = int(os.environ.get("LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS", "5000"))
# The access log's own retention (a pruning round of audit_sealer every LOTSA_AUDIT_PRUNE_HOURS, or
# audit_prune --apply; the database's door reads the period from audit_retention, written by migrate,
# never below five years): events older than this many years are removed,
# as whole seals from the oldest, under a signed pruning record. Five years at least (HSLF-FS 2016:40):
# a lower value is a system check error.
LOTSA_AUDIT_RETENTION_YEARS = int(os.environ.get("LOTSA_AUDIT_RETENTION_YEARS", "5"))
LOTSA_AUDIT_PRUNE_HOURS = float(os.environ.get("LOTSA_AUDIT_PRUNE_HOURS", "24"))
# audit_verify on PostgreSQL: how many database connections compute the seals' digests at once.
LOTSA_AUDIT_VERIFY_WORKERS = int(os.environ.get("LOTSA_AUDIT_VERIFY_WORKERS", str(os.cpu_count() or 2)))

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lotsa_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("LOTSA_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or DEMO_MODE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEMO_MODE or DEBUG

# --- django-auditlog and django-guardian -------------------------------------------------------------
AUDITLOG_DISABLE_REMOTE_ADDR = False
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- Logging ------------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOTSA_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django logs the SQL of every query at DEBUG; keep it off so ciphertext parameters and
        # search terms never end up in a log file.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # pysaml2 logs subjects and attribute values (a personal identity number) at INFO and DEBUG,
        # and whole documents (a decrypted assertion among them) in its ERROR records: none of it is
        # kept. Lotsa's own denial event says why a login was refused.
        "saml2": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "xmlschema": {"handlers": [], "level": "CRITICAL", "propagate": False},
        # django-q2 logs a failed job's error text and traceback: only that a job failed is kept (the
        # administrator's page counts failures; the jobs take no personal data as arguments).
        "django-q": {"level": "WARNING", "propagate": True},
    },
}

# --- Consent, disclosures, emergency access (see consent/) ----------------------------------------
LOTSA_CONSENT_DEFAULT_MONTHS = int(os.environ.get("LOTSA_CONSENT_DEFAULT_MONTHS", "12"))
LOTSA_CONSENT_EXPIRY_WARNING_DAYS = int(os.environ.get("LOTSA_CONSENT_EXPIRY_WARNING_DAYS", "30"))
# Until this age the guardians consent for a child; from LOTSA_CHILD_OWN_CONSENT_AGE the child's own
# consent is recorded beside theirs (age and maturity: the social worker confirms the child's view).
LOTSA_ADULT_AGE = int(os.environ.get("LOTSA_ADULT_AGE", "18"))
LOTSA_CHILD_OWN_CONSENT_AGE = int(os.environ.get("LOTSA_CHILD_OWN_CONSENT_AGE", "12"))
# A guardians' consent covers nothing from the day the young person comes of age: this many days
# before, the responsible social worker is asked to talk to them about their own consent.
LOTSA_MAJORITY_WARNING_DAYS = int(os.environ.get("LOTSA_MAJORITY_WARNING_DAYS", "30"))
LOTSA_DISCLOSURE_ACCESS_DAYS = int(os.environ.get("LOTSA_DISCLOSURE_ACCESS_DAYS", "14"))
LOTSA_EMERGENCY_ACCESS_MINUTES = int(os.environ.get("LOTSA_EMERGENCY_ACCESS_MINUTES", "60"))
LOTSA_REVIEW_DUE_DAYS = int(os.environ.get("LOTSA_REVIEW_DUE_DAYS", "7"))
# An enrolment code (a new account, or a reset login) is usable this long once it is complete.
LOTSA_ENROLMENT_CODE_HOURS = int(os.environ.get("LOTSA_ENROLMENT_CODE_HOURS", "24"))
# Accounts created or reset this recently are flagged in the supervisor's review of access.
LOTSA_RECENT_ACCOUNT_DAYS = int(os.environ.get("LOTSA_RECENT_ACCOUNT_DAYS", "14"))

# --- Intervention groups (see sig/) -----------------------------------------------------------------
# Age bands are configuration: the city runs 12-18 and 19-29; one district runs 15-29. A person
# outside every band gets a warning, not a refusal.
LOTSA_SIG_BANDS = [
    ("young", _("Young people 12-18"), 12, 18),
    ("young_adults", _("Young adults 19-29"), 19, 29),
]
# A group's person who has outgrown its band (or will within this many days) is a task for the
# group's handlers: the band is checked every day, not only when the group is formed.
LOTSA_SIG_BAND_WARNING_DAYS = int(os.environ.get("LOTSA_SIG_BAND_WARNING_DAYS", "30"))
LOTSA_THREAT_REVIEW_MONTHS = int(os.environ.get("LOTSA_THREAT_REVIEW_MONTHS", "3"))

# --- Hand-overs between units and the defector programme (see cases/, defectors/) -------------------
# A hand-over or referral left undecided this many days is flagged overdue for the receiving unit and
# its supervisor: the seeds ask that measures be taken quickly (skyndsamt).
LOTSA_HANDOVER_OVERDUE_DAYS = int(os.environ.get("LOTSA_HANDOVER_OVERDUE_DAYS", "14"))
# Hand-overs "to be decided quickly": each purpose's time to decide (purpose=hours or days), after which
# an undecided one is overdue, and its unit told at once, at any hour; a purpose not named here has
# LOTSA_HANDOVER_OVERDUE_DAYS. A referral to the defector programme follows a police assessment of high
# threat with a protection need: hours, not the weeks a relative's support may wait.
LOTSA_HANDOVER_DECIDE_WITHIN = env_durations(
    "LOTSA_HANDOVER_DECIDE_WITHIN", "defector_programme=24h,relative_support=14d"
)
# A report of concern for a child (SoL 11 kap. 1 a §): the protection assessment is due the day it comes
# in (told at once, at any hour, until it is recorded); the preliminary assessment within these days.
LOTSA_CONCERN_PRELIMINARY_DAYS = int(os.environ.get("LOTSA_CONCERN_PRELIMINARY_DAYS", "14"))
# The police conditions form's scan: at most this many bytes (PDF, JPEG or PNG).
LOTSA_SCAN_MAX_BYTES = int(os.environ.get("LOTSA_SCAN_MAX_BYTES", str(5 * 2**20)))
# A follow-up after closure can be recorded this many days before it is due.
LOTSA_FOLLOW_UP_EARLY_DAYS = int(os.environ.get("LOTSA_FOLLOW_UP_EARLY_DAYS", "14"))
# Up to and including this age, the district's child and youth unit is responsible (SoL, LVU, LUL):
# a report of concern for a child is routed to it.
LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE = int(os.environ.get("LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE", "20"))
# A district's case opened while its person was that young is the child and youth unit's: this many
# days before the person outgrows it, the responsible social worker is asked to hand the case over.
LOTSA_CHILD_AND_YOUTH_HANDOVER_DAYS = int(os.environ.get("LOTSA_CHILD_AND_YOUTH_HANDOVER_DAYS", "90"))

# The systematic review of the access log (supervision/log_review.py): what the risk rules look for.
LOTSA_WORKING_HOURS = (
    int(os.environ.get("LOTSA_WORKING_HOURS_FROM", "7")),
    int(os.environ.get("LOTSA_WORKING_HOURS_TO", "18")),
)
LOTSA_REVIEW_BURST_PEOPLE = int(os.environ.get("LOTSA_REVIEW_BURST_PEOPLE", "10"))
LOTSA_REVIEW_BURST_MINUTES = int(os.environ.get("LOTSA_REVIEW_BURST_MINUTES", "60"))
LOTSA_REVIEW_REPEATED_DENIALS = int(os.environ.get("LOTSA_REVIEW_REPEATED_DENIALS", "3"))
LOTSA_REVIEW_NEW_ACCOUNT_DAYS = int(os.environ.get("LOTSA_REVIEW_NEW_ACCOUNT_DAYS", "30"))
# Reviews and access events are kept at least this long (HSLF-FS 2016:40: five years at least).
LOTSA_REVIEW_RETENTION_YEARS = 5
# The font of PDFs (subject access extracts): any TrueType font covering the names Lotsa holds; without
# it, PDFs use Helvetica (Latin-1 only). Debian's fonts-dejavu-core provides the default.
LOTSA_PDF_FONT = os.environ.get("LOTSA_PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# --- The archive (docs/archive.md) -----------------------------------------------------------------
# The archive authority's X.509 certificate (PEM, RSA >= 3072 bits): every package for the archive is
# encrypted to it. Unset: no package is made (check --deploy warns: retention.W001).
LOTSA_ARCHIVE_CERTIFICATE = os.environ.get("LOTSA_ARCHIVE_CERTIFICATE", "")
# Where the encrypted packages are written, for the archive to fetch (never a plaintext package).
LOTSA_ARCHIVE_DIR = Path(os.environ.get("LOTSA_ARCHIVE_DIR", VAR_DIR / "archive"))

# --- Retention (gallring; retention/rules.py, docs/operations.md "Retention") -------------------------
# Which act's rules are in force: "2001" (SoL 2001:453, 12 kap.) or "2025" (SoL 2025:400, whose rules
# are not yet confirmed: every date under them is shown "to be checked by the legal department").
LOTSA_RETENTION_ACT = os.environ.get("LOTSA_RETENTION_ACT", "2025")
# A person's file is erased this many years after its last entry (or its last case's closure, if later).
LOTSA_RETENTION_YEARS = int(os.environ.get("LOTSA_RETENTION_YEARS", "5"))
# People born on these days of a month are kept for research (to the archive, not erased).
LOTSA_RETENTION_RESEARCH_DAYS = tuple(
    int(day) for day in env_list("LOTSA_RETENTION_RESEARCH_DAYS", "5,15,25")
)
# A record with a placement (defectors) is kept this many years after its last entry; 0: not erased.
LOTSA_RETENTION_PLACEMENT_YEARS = int(os.environ.get("LOTSA_RETENTION_PLACEMENT_YEARS", "0"))
# The key that signs destruction certificates (Ed25519): a key of its own (never the anchor key, which
# stays with the sealer), read by the scheduled work that carries out approved lists; verified with its
# public half. Made by `python -m lotsa.bootstrap` / `manage.py generate_keys`.
LOTSA_RETENTION_CERTIFICATE_KEY_FILE = Path(
    os.environ.get("LOTSA_RETENTION_CERTIFICATE_KEY_FILE", str(VAR_DIR / "retention-certificate.key"))
)
LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE = Path(
    os.environ.get("LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE", str(VAR_DIR / "retention-certificate.pub"))
)

# --- Scheduled work and notifications (see notifications/, docs/operations.md) -----------------------
# django-q2 with its ORM broker: the jobs' queue is the project's own database (SQLite in the demo,
# PostgreSQL in production), run by `manage.py qcluster` beside the server. A job is retried up to
# max_attempts times; `retry` (seconds) must exceed `timeout`. Failures are kept (a count and the job's
# name reach the administrator's start page); a job takes no personal data as argument.
Q_CLUSTER = {
    "name": "lotsa",
    "orm": "default",
    "workers": int(os.environ.get("LOTSA_WORKERS", "1")),
    "timeout": 240,
    "retry": 300,
    "max_attempts": 3,
    "save_limit": 250,
    "catch_up": False,
    "label": "Scheduled work",
}
# How often the reminder job looks for what waits (minutes).
LOTSA_REMINDER_MINUTES = int(os.environ.get("LOTSA_REMINDER_MINUTES", "5"))
# Notifications are sent on these weekdays (0 = Monday) within LOTSA_WORKING_HOURS, Lotsa's TIME_ZONE;
# an urgent one (something overdue) at any hour. The demo sends at any hour, to show a digest.
LOTSA_WORKING_DAYS = tuple(int(day) for day in env_list("LOTSA_WORKING_DAYS", "0,1,2,3,4"))
if DEMO_MODE:
    LOTSA_NOTIFY_AT_ANY_HOUR = True
else:
    LOTSA_NOTIFY_AT_ANY_HOUR = env_bool("LOTSA_NOTIFY_AT_ANY_HOUR")
# A failed delivery is tried again by the next runs, at most this many times in all.
LOTSA_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("LOTSA_NOTIFY_MAX_ATTEMPTS", "3"))
# A send whose outcome was never recorded (the worker died between sending and recording) is left alone
# this long, so that no other round sends it meanwhile, then tried again (it counts as an attempt): a
# message is delivered at least once, at most LOTSA_NOTIFY_MAX_ATTEMPTS times. Far above EMAIL_TIMEOUT.
LOTSA_NOTIFY_CLAIM_MINUTES = int(os.environ.get("LOTSA_NOTIFY_CLAIM_MINUTES", "15"))
# A digest whose waiting lines are the same as a message's of these last days is not sent; after them the
# same lines are told again (a state that came back, or what still waits).
LOTSA_NOTIFY_REPEAT_DAYS = int(os.environ.get("LOTSA_NOTIFY_REPEAT_DAYS", "7"))
# The address the messages link to (the start page): Lotsa's own public address.
LOTSA_BASE_URL = os.environ.get("LOTSA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# E-mail over SMTP (Django's backend); the demo writes each message to a file in var/mail/ instead.
EMAIL_HOST = os.environ.get("LOTSA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LOTSA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LOTSA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LOTSA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("LOTSA_EMAIL_STARTTLS")
EMAIL_USE_SSL = env_bool("LOTSA_EMAIL_TLS")
EMAIL_TIMEOUT = int(os.environ.get("LOTSA_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("LOTSA_EMAIL_FROM", "lotsa@localhost")
if DEMO_MODE:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Text messages: a class with send(to, text) (notifications/sms.py); none is wired in.
LOTSA_SMS_ADAPTER = os.environ.get("LOTSA_SMS_ADAPTER", "")
