import os

from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

from hotel.db_connections import spread_connection_lifetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotel.settings")

application = get_wsgi_application()

# The web server's threads each keep a connection: they must not all reopen it in one second.
connection_created.connect(spread_connection_lifetime, dispatch_uid="spread_connection_lifetime")
