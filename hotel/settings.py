"""Settings for the hotel project, read from the environment (docs/configuration.md lists them).

With no ``DATABASE_URL`` the service runs on SQLite in the project folder, set up so the web
process and the outbox worker can share it (WAL journal, immediate transactions, busy timeout).
With ``DATABASE_URL=postgres://...`` it runs on PostgreSQL.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from hotel.correlation import JSON_FORMATTER, PLAIN_FORMATTER

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"

# "development" (the quick start's default) or "production" (the container image sets it).
HOTEL_ENV = env.str("HOTEL_ENV", default="development")
if HOTEL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("HOTEL_ENV must be 'development' or 'production'.")
PRODUCTION = HOTEL_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A separate front end on another origin may call the API (django-cors-headers): the origins
# listed here, with token authentication; none by default. No cookies cross: the session
# belongs to the admin and the browsable API on this site.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "x-request-id"]
CORS_EXPOSE_HEADERS = ["retry-after", "x-request-id"]

INSTALLED_APPS = [
    "hotel.apps.HotelAdminConfig",  # django.contrib.admin with the hoteliers' site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: no CDN, nothing inline
    "csp",
    "corsheaders",
    "hotel.eventbus",
    "apps.reservations",
    "apps.payments",
    "apps.orders",
    "apps.customer",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its request id (hotel.correlation).
    "hotel.correlation.RequestCorrelationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before CommonMiddleware, which may answer first (django-cors-headers' rule).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin and the API speak the browser's language if it is Korean or English (LANGUAGES),
    # Korean otherwise (LANGUAGE_CODE).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Content-Security-Policy on every answer (django-csp): scripts, fonts, images and connections
# from this site only, no plugins, and no page may be framed. Styles may also be inline: DRF's
# browsable API templates set style attributes, and Swagger UI sets styles from its script;
# the protection that matters, against injected scripts, does not rest on styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin messages are kept in the session: the admin signs in with one anyway. The default
# (FallbackStorage) builds a cookie store, with its signer, and a session store on every
# request, API calls included (a measurable share of the booking request's CPU, py-spy).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "hotel.urls"
WSGI_APPLICATION = "hotel.wsgi.application"
ASGI_APPLICATION = "hotel.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own overrides of library templates (hotel/templates/).
        "DIRS": [BASE_DIR / "hotel" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
SQLITE_PATH = env.path("SQLITE_PATH", default=BASE_DIR / "db.sqlite3")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

if DATABASE_IS_SQLITE:
    # The web server and the outbox worker write from separate processes: WAL lets readers go
    # on while one writer commits, IMMEDIATE takes the write lock at BEGIN (no deadlock-prone
    # lock upgrades), and the busy timeout makes a second writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
elif DB_POOL_MAX_SIZE := env.int("DB_POOL_MAX_SIZE", default=0):
    # A connection pool per process (psycopg_pool): web threads borrow a connection for their
    # database work and give it back while they wait on the payment provider, so a process
    # with many threads needs few connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.float("DB_POOL_TIMEOUT_SECONDS", default=10.0),
        }
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if not DATABASE_IS_SQLITE and env.bool("DB_PREPARED_STATEMENTS", default=True):
    # Parameters bound by the server, and a statement prepared on a connection once it has run
    # there five times (psycopg's prepare_threshold): PostgreSQL then stops planning it anew on
    # every execution. Planning was half of PostgreSQL's CPU per booking. Turn it off behind a
    # pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counters live in the cache: per process by default; point CACHE_URL at Redis
# (redis://127.0.0.1:6379/1) so every web process counts together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ko")
LANGUAGES = [("ko", "Korean"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
# The project's message catalogues (Korean and English): `make messages` updates them.
LOCALE_PATHS = [BASE_DIR / "hotel" / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
if PRODUCTION:
    # The container serves the admin's and the browsable API's static files itself (WhiteNoise,
    # right after SecurityMiddleware), from STATIC_ROOT as collected when the image was built:
    # compressed, with hashed names cached for a year.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so it is
    # a 401 with "WWW-Authenticate: Token" (session authentication has no challenge: a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with its lookup written once (hotel/token_authentication.py).
        "hotel.token_authentication.TokenLookupAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, the JSON one with a bound on nesting (hotel/json_parsing.py).
    "DEFAULT_PARSER_CLASSES": [
        "hotel.json_parsing.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["hotel.filter_backend.FilterBackend"],
    # DRF's, reading ?page= as ASCII digits only (hotel/pagination.py).
    "DEFAULT_PAGINATION_CLASS": "hotel.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # drf-spectacular's, with the error answers in the schema too (hotel/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "hotel.api_schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "hotel.api_errors.exception_handler",
    # Page descriptions from the views' docstrings, code marks shown as code.
    "VIEW_DESCRIPTION_FUNCTION": "hotel.view_descriptions.view_description",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "hotel API",
    "DESCRIPTION": "Book and pay, follow the reservation, cancel.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Event bus (transactional outbox) -----------------------------------------------------
OUTBOX = {
    # Deliveries claimed per round; the worker handles them in one transaction. 500 drained the
    # booking bench's backlog faster, but two workers claiming 500 at a time slowed each other
    # as a long drain went on (bench/README.md), so 100 stays the default.
    "BATCH_SIZE": env.int("OUTBOX_BATCH_SIZE", default=100),
    # A claim older than this is presumed dead and may be taken over by another worker.
    "LEASE_SECONDS": env.float("OUTBOX_LEASE_SECONDS", default=60.0),
    # Failed deliveries retry with exponential backoff and jitter, then go to the dead letter.
    "MAX_ATTEMPTS": env.int("OUTBOX_MAX_ATTEMPTS", default=8),
    "BACKOFF_BASE_SECONDS": env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=1.0),
    "BACKOFF_MAX_SECONDS": env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=600.0),
    # After a round that was not full, the worker waits as long as the round took, at most
    # this long, so that the next round gathers more (OutboxWorker._pace); 0 turns it off.
    "LINGER_MAX_SECONDS": env.float("OUTBOX_LINGER_MAX_SECONDS", default=0.05),
    # Fallback poll when idle; on PostgreSQL LISTEN/NOTIFY wakes the worker right after commit.
    "POLL_SECONDS": env.float(
        "OUTBOX_POLL_SECONDS", default=1.0 if not DATABASE_IS_SQLITE else 0.05
    ),
    "NOTIFY": env.bool("OUTBOX_NOTIFY", default=not DATABASE_IS_SQLITE),
    # A process NOTIFYs at most once per this long; a woken worker keeps claiming a few times
    # a second for twice as long (hotel/eventbus/publishing.py says why).
    "NOTIFY_INTERVAL_SECONDS": env.float("OUTBOX_NOTIFY_INTERVAL_SECONDS", default=0.5),
    "NOTIFY_CHANNEL": env.str("OUTBOX_NOTIFY_CHANNEL", default="hotel_outbox"),
    # The worker's own commits may skip the WAL flush wait (PostgreSQL): what it writes is
    # derived from durably committed events and is redone if lost (see hotel/eventbus/worker.py).
    "SYNCHRONOUS_COMMIT": env.bool("OUTBOX_SYNCHRONOUS_COMMIT", default=False),
    # Completed deliveries are kept this long (for status and lag figures), then purged.
    "RETENTION_HOURS": env.float("OUTBOX_RETENTION_HOURS", default=24.0),
    "PURGE_EVERY_SECONDS": env.float("OUTBOX_PURGE_EVERY_SECONDS", default=600.0),
    "PURGE_BATCH_SIZE": env.int("OUTBOX_PURGE_BATCH_SIZE", default=5000),
    # Backpressure (hotel/eventbus/backpressure.py): while the workers report more lag than
    # this, each booking waits before it starts, up to the maximum at 5 s more; 0 turns it off.
    "BACKPRESSURE_LAG_SECONDS": env.float("OUTBOX_BACKPRESSURE_LAG_SECONDS", default=2.0),
    "BACKPRESSURE_MAX_WAIT_SECONDS": env.float("OUTBOX_BACKPRESSURE_MAX_WAIT_SECONDS", default=1.0),
}

# --- Payments (apps.payments) ------------------------------------------------------------
# The gateway adapter: "sandbox" (built in, outcomes by test payment key) or "toss" (HTTP).
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")
if PAYMENT_PROVIDER not in {"sandbox", "toss"}:
    raise ImproperlyConfigured("PAYMENT_PROVIDER must be 'sandbox' or 'toss'.")
# Every provider call: timeout, circuit breaker (per process) and bulkhead (concurrent calls).
PAYMENT_TIMEOUT_MS = env.int("PAYMENT_TIMEOUT_MS", default=610)
PAYMENT_BREAKER_FAILURES = env.int("PAYMENT_BREAKER_FAILURES", default=5)
PAYMENT_BREAKER_RESET_SECONDS = env.float("PAYMENT_BREAKER_RESET_SECONDS", default=10.0)
PAYMENT_MAX_CONCURRENT_CALLS = env.int("PAYMENT_MAX_CONCURRENT_CALLS", default=50)
# Sandbox: injected latency ("400-620" ms drawn uniformly, or "500") and share of failed calls.
PAYMENT_SANDBOX_LATENCY_MS = env.str("PAYMENT_SANDBOX_LATENCY_MS", default="")
PAYMENT_SANDBOX_FAILURE_RATE = env.float("PAYMENT_SANDBOX_FAILURE_RATE", default=0.0)
# Toss Payments v1 compatible API (PAYMENT_PROVIDER=toss).
PAYMENT_TOSS_BASE_URL = env.str("PAYMENT_TOSS_BASE_URL", default="https://api.tosspayments.com")
PAYMENT_TOSS_SECRET_KEY = env.str("PAYMENT_TOSS_SECRET_KEY", default="")
if PAYMENT_PROVIDER == "toss" and not PAYMENT_TOSS_SECRET_KEY:
    raise ImproperlyConfigured("PAYMENT_PROVIDER=toss needs PAYMENT_TOSS_SECRET_KEY.")


# --- Guests, accounts and throttling (apps.customer) --------------------------------------
def _throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "10/min"; "off" (or empty) disables that throttle."""
    value = env.str(name, default=default).strip()
    return None if value.lower() in {"", "off", "none"} else value


# Scoped rate throttles (DRF's "number/period", period s|min|hour|day). Counters live in the
# default cache, so with several web processes each process counts for itself unless CACHES
# points at a shared cache. Keyed by user when authenticated, else by client IP.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    # POST /api/accounts/token/: password guessing, per client address...
    "login": _throttle_rate("THROTTLE_LOGIN_RATE", "10/min"),
    # ...and per username tried, whatever the addresses (a guessing botnet).
    "login_username": _throttle_rate("THROTTLE_LOGIN_USERNAME_RATE", "20/hour"),
    # POST /api/accounts/signup/: account farming.
    "signup": _throttle_rate("THROTTLE_SIGNUP_RATE", "20/hour"),
    # POST /api/orders/: bookings per guest.
    "booking": _throttle_rate("THROTTLE_BOOKING_RATE", "120/min"),
}
# How many proxies in front of the app append to X-Forwarded-For (the hops trusted to find the
# client's address for anonymous throttling). 0, the default, trusts none: the address is
# REMOTE_ADDR, and a client cannot walk around a throttle by sending X-Forwarded-For itself.
# Behind one load balancer that appends the address it saw, set 1.
REST_FRAMEWORK["NUM_PROXIES"] = env.int("NUM_PROXIES", default=0)

# --- Hotel side (apps.reservations) ------------------------------------------------------
# Fault injection: the reservations handlers (OrderPlaced, OrderCancelled) raise, as if the
# hotel side were down. Bookings still succeed; their events wait and drain once it is off.
RESERVATIONS_HANDLERS_FAIL = env.bool("RESERVATIONS_HANDLERS_FAIL", default=False)
# How often the worker rejects the reservation requests whose hotel let their decision deadline
# pass (the periodic job reservations.reject_stale_requests): a request is rejected at most
# this long after its deadline.
RESERVATIONS_STALE_REQUESTS_EVERY_SECONDS = env.float(
    "RESERVATIONS_STALE_REQUESTS_EVERY_SECONDS", default=60.0
)
# Messages to hotels (their contact, language and opt-outs are on each hotel): the daily digest
# of the requests still open goes out once a local day, from this hour (0-23) of each hotel's
# own clock, and lists at most HOTEL_DIGEST_LISTED of them (oldest first; AlimTalk messages are
# bounded at 1,000 characters).
HOTEL_DIGEST_HOUR = env.int("HOTEL_DIGEST_HOUR", default=9)
if not 0 <= HOTEL_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("HOTEL_DIGEST_HOUR must be an hour from 0 to 23.")
HOTEL_DIGEST_LISTED = env.int("HOTEL_DIGEST_LISTED", default=5)
if not 1 <= HOTEL_DIGEST_LISTED <= 10:
    raise ImproperlyConfigured("HOTEL_DIGEST_LISTED must be from 1 to 10.")

# --- Mypage and notifications (apps.customer) ---------------------------------------------
# The message channels (hotel.notification_channels) carry the guests' and the hotels' messages.
# KakaoTalk adapter: "console" (logs each message as the guest reads it), "locmem" (tests),
# "alimtalk" (NHN Cloud AlimTalk API), or the dotted path of a class with send(message).
NOTIFICATION_BACKEND = env.str("NOTIFICATION_BACKEND", default="console")
# Channels each guest-visible change is sent on: "kakao", and "email" as a second channel.
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["kakao"])
if not set(NOTIFICATION_CHANNELS) <= {"kakao", "email"}:
    raise ImproperlyConfigured("NOTIFICATION_CHANNELS may list only 'kakao' and 'email'.")
# E-mail channel: sender, and Django's mail settings from one URL (smtp+tls://user:pw@host:587).
NOTIFICATION_EMAIL_FROM = env.str("NOTIFICATION_EMAIL_FROM", default="hotel <no-reply@localhost>")
vars().update(
    {k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v is not None}
)
# NHN Cloud AlimTalk v2.3 (NOTIFICATION_BACKEND=alimtalk).
ALIMTALK_BASE_URL = env.str("ALIMTALK_BASE_URL", default="https://api-alimtalk.cloud.toast.com")
ALIMTALK_APPKEY = env.str("ALIMTALK_APPKEY", default="")
ALIMTALK_SECRET_KEY = env.str("ALIMTALK_SECRET_KEY", default="")
ALIMTALK_SENDER_KEY = env.str("ALIMTALK_SENDER_KEY", default="")
# Registered template code per message kind ("booked", "confirmed", "rejected", "cancelled",
# "refunded"; "<kind>_en" for English), e.g. "booked=HB001,booked_en=HB101"; default HOTEL_<KIND>.
# The hotels' kinds ("new_request", "guest_cancelled", "daily_digest") default to HOTELIER_<KIND>.
ALIMTALK_TEMPLATE_CODES = env.dict("ALIMTALK_TEMPLATE_CODES", default={})
ALIMTALK_TIMEOUT_SECONDS = env.float("ALIMTALK_TIMEOUT_SECONDS", default=5.0)
# SMS/LMS fallback for guests who cannot receive KakaoTalk, from a registered sender number.
ALIMTALK_RESEND_ENABLED = env.bool("ALIMTALK_RESEND_ENABLED", default=False)
ALIMTALK_RESEND_SEND_NO = env.str("ALIMTALK_RESEND_SEND_NO", default="")
# One OpenAPI enum name for the mypage's overall status (entry, detail and timeline share it).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["MypageStatusEnum"] = (
    "apps.customer.models.MypageStatus"
)
if NOTIFICATION_BACKEND == "alimtalk" and not (
    ALIMTALK_APPKEY and ALIMTALK_SECRET_KEY and ALIMTALK_SENDER_KEY
):
    raise ImproperlyConfigured(
        "NOTIFICATION_BACKEND=alimtalk needs ALIMTALK_APPKEY, ALIMTALK_SECRET_KEY and "
        "ALIMTALK_SENDER_KEY."
    )

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "plain" (development) or "json" (one JSON object per line; the container image sets it).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
# One access line per request on the "hotel.request" logger, with its ids (healthy probes are
# not logged). Off by default in development, where runserver logs each request itself.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record gets correlation_id (the order id, else the request id) and request_id, those
    # that are set (the plain format writes "-" for an unset one, JSON leaves it out).
    "filters": {"correlation": {"()": "hotel.correlation.CorrelationIdFilter"}},
    # "[<correlation id>]" in the plain format; in JSON, python-json-logger's formatter with
    # time, level, logger, message, process, the ids, the call's extras and the exception.
    "formatters": {"plain": PLAIN_FORMATTER, "json": JSON_FORMATTER},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["correlation"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Operations ---------------------------------------------------------------------------
# GET /metrics (Prometheus) is open when DEBUG, to staff users, and to
# "Authorization: Bearer <METRICS_TOKEN>" when this is set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The outbox worker touches this file while it runs (at most once a second); the container's
# health check and the Kubernetes liveness probe read its age. Empty: no heartbeat.
OUTBOX_HEARTBEAT_FILE = env.str("OUTBOX_HEARTBEAT_FILE", default="")

# --- Production safety --------------------------------------------------------------------
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (HOTEL_ENV=production).")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set SECRET_KEY to a long random value in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # `manage.py check --deploy` runs clean (CI checks it); two of its warnings are decisions:
    # without SECURE_SSL_REDIRECT, TLS ends at the ingress or load balancer, which redirects
    # http itself; HSTS preloading commits the whole domain, so the operator opts in to it.
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W008"] if not SECURE_SSL_REDIRECT else []),
        *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    ]
