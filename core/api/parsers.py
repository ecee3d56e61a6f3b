"""The API's JSON parser: a body nested deeper than Python's recursion limit is a bad request.

DRF's JSONParser turns a ValueError into a 400 but lets the RecursionError of `[[[[...]]]]` (a
body of a few hundred kilobytes) through as a server error."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as RestJSONParser


class JSONParser(RestJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
