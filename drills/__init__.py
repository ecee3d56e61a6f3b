"""Drills: the real stack (PostgreSQL, Redis, gunicorn, a Celery worker and beat) started on
loopback, put under load or through a failure, and the database checked afterwards.

Not tests (pytest collects only tests/): `make drills`, `make drills-short`, `make drill-NAME`,
or `python -m drills [--short] [NAME ...]`. Each drill prints its figures (tried, lost, duplicated,
5xx) and the run exits non-zero on any loss, duplicate or server error.
"""
