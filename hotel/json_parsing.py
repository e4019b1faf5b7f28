"""The API's JSON request parser: DRF's, with a bound on how deeply a body may nest.

No request of this API nests deeper than a few levels. Without a bound, a body nested some
100,000 levels deep (about 200 KB) made Python's decoder raise ``RecursionError``, a 500 that
needed no account; refused here, it is a 400 in the API's error shape like any parse error.
"""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: The deepest nesting of arrays and objects a request body may have.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value: Any, *, limit: int) -> bool:
    """Whether ``value`` (decoded JSON) nests arrays and objects more than ``limit`` deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """``JSONParser`` that answers 400 to a body nested deeper than ``MAX_JSON_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = json_depth_exceeds(data, limit=MAX_JSON_DEPTH)
        if too_deep:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return data
