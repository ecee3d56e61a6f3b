"""Follow-up visits (回访): plans by segment, scheduled by Celery, recorded on a phone."""
