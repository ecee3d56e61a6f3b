"""gunicorn's access log without the secrets that travel in URLs.

Personal links carry their credential in the path (survey answer and open links, the complaint
status page, the calendar feed) and a query string may carry anything. A log line must not be a
working link: this logger class (gunicorn.conf.py: logger_class) drops every query string and
replaces the token path segments with "<token>" in the request line, the path, the referrer and the
WSGI environ values a log format could name.
"""

import re

from gunicorn.glogging import Logger

TOKEN_SEGMENT = re.compile(r"(/surveys/[ro]/|/complaints/status/|/visits/calendar/)[^/?#\s]+?(?=\.ics|/|\?|#|\s|$)")
QUERY = re.compile(r"\?[^\s#]*")


def mask(value: str) -> str:
    """`value` (a path, a URL or a request line) without its query strings and token segments."""
    if not isinstance(value, str):
        return value
    return TOKEN_SEGMENT.sub(r"\1<token>", QUERY.sub("", value))


URL_ATOMS = ("r", "U", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{request_uri}e", "{http_referer}e")
QUERY_ATOMS = ("q", "{query_string}e")


class TokenMaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in URL_ATOMS:
            if key in atoms:
                atoms[key] = mask(atoms[key])
        for key in QUERY_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms


class MaskTokensFilter:
    """The same for the development server's request lines (logger django.server, `make run`)."""

    def filter(self, record) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask(arg) for arg in record.args)
        return True
