"""The embedded default: SQLite, filesystem broker, e-mail to the console. For one machine.

No published secret: without SECRET_KEY in the environment, a key made for this installation on
first start is kept in var/secret_key (mode 0600, never committed). DEBUG (tracebacks on error
pages) is on only while the development server listens on loopback alone.
"""

import os
import secrets
import sys
from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, env

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def installation_secret_key(path: Path) -> str:
    """The key in `path`, created (0600) the first time. Web and worker may start together: the
    file appears whole or not at all (written aside, then linked into place), and the loser reads it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()


def runserver_host(argv: list[str]) -> str | None:
    """The address `manage.py runserver [addr:]port` listens on (None: not the development server)."""
    if "runserver" not in argv:
        return None
    positional = [arg for arg in argv[argv.index("runserver") + 1 :] if not arg.startswith("-")]
    if not positional or ":" not in positional[0]:
        return "::1" if "-6" in argv or "--ipv6" in argv else "127.0.0.1"
    host = positional[0].rsplit(":", 1)[0]
    return host or "127.0.0.1"


SECRET_KEY = env("SECRET_KEY", default="") or installation_secret_key(
    Path(env("SECRET_KEY_FILE", default=str(VAR_DIR / "secret_key")))
)

# Tracebacks and settings on error pages are for the developer at this machine only.
_host = runserver_host(sys.argv)
_loopback_only = _host is None or _host in _LOOPBACK
DEBUG = env.bool("DEBUG", default=True) and _loopback_only
if env.bool("DEBUG", default=False) and not _loopback_only:
    print(f"DEBUG stays off: the server listens on {_host}, beyond this machine.", file=sys.stderr)
# Links in e-mails (status page, survey invitations, visits) point at the port `make run` serves
# (bin/run-local exports HOST and PORT to the web app and the worker) unless SITE_URL is set.
_wildcard_or_loopback = _LOOPBACK | {"0.0.0.0", "::", "[::]", ""}  # noqa: S104 - names them, binds nothing
_site_host = env("HOST", default="127.0.0.1")
SITE_URL = env(
    "SITE_URL",
    default=f"http://{'localhost' if _site_host in _wildcard_or_loopback else _site_host}:{env('PORT', default='8000')}",
)
# With DEBUG off, runserver does not serve static files; WhiteNoise then serves them from the apps.
WHITENOISE_USE_FINDERS = True
