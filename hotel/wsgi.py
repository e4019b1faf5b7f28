import os

from django.core.wsgi import get_wsgi_application

from hotel.db_connections import spread_connection_lifetimes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotel.settings")

application = get_wsgi_application()

# The web server's threads each keep a connection: they must not all reopen it in one second.
spread_connection_lifetimes()
