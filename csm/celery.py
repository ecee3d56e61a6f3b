"""The Celery app and the one visible schedule of periodic jobs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csm.settings.local")

app = Celery("csm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()



app.conf.beat_schedule = {
    # Hourly: uploaded import files that were never committed are deleted after a day, so
    # customer data does not linger on disk (privacy) and the folder does not grow forever.
    "customer-import-purge-stale": {
        "task": "customers.tasks.customer_import_purge_stale_task",
        "schedule": crontab(minute=17),
    },
}
