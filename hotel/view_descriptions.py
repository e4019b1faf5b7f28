"""The browsable API's page descriptions, from the views' docstrings.

Docstrings mark code the reStructuredText way (``status``); the page shows it as code, as
DRF's Markdown-style rendering reads single backquotes (`status`), not as doubled quotes.
"""

from rest_framework.utils import formatting
from rest_framework.views import get_view_description


def view_description(view, html: bool = False) -> str:
    """DRF's ``get_view_description``, with ``code`` marks as single backquotes."""
    description = get_view_description(view, html=False).replace("``", "`")
    return formatting.markup_description(description) if html else description
