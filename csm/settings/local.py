"""The embedded default: SQLite, filesystem broker, e-mail to the console. For one machine."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
