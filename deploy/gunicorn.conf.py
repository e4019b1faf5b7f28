"""gunicorn settings for the container (deploy/entrypoint.sh passes ``-c`` this file).

Threads, not processes, carry the concurrency: a booking spends most of its time waiting on the
payment provider, and a thread that waits costs far less memory than a process.
"""

import os

wsgi_app = "hotel.wsgi:application"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "32"))
# A request that takes longer than this is killed with its worker (payment calls time out in
# about 0.6 s, so only a stuck request gets here).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On SIGTERM, finish in-flight requests for at most this long (below Kubernetes'
# terminationGracePeriodSeconds, and below deploy/entrypoint.sh's STOP_TIMEOUT).
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Request line and headers are bounded before Django sees them (gunicorn's defaults, written
# out because the service relies on them): a longer request line is a 414, a longer header or
# more headers a 431 or 400, from gunicorn itself.
limit_request_line = 4094
limit_request_field_size = 8190
limit_request_fields = 100
# Worker heartbeat files in memory, not on a (possibly read-only) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django writes one access line per request (hotel.request logger, with the request id).
accesslog = None
# No control socket: nothing uses it, and $HOME may be read-only (gunicorn 25+).
control_socket_disable = True
# The proxy in front (ingress) terminates TLS; Django reads X-Forwarded-Proto itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own messages (boot, worker exits) as JSON lines too, in Django's format.
    from hotel.correlation import JSON_FORMATTER

    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"correlation": {"()": "hotel.correlation.CorrelationIdFilter"}},
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["correlation"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # Django logs each request itself (hotel.request): no second access line.
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
