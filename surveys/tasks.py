"""Celery tasks of the surveys app: thin wrappers that take ids and call one service."""

from celery import shared_task

# The services are imported inside the tasks: surveys.services imports this module to enqueue.


@shared_task(autoretry_for=(OSError,), max_retries=5, retry_backoff=60, retry_jitter=True)
def campaign_send_batches_task(campaign_id: int) -> int:
    """Send a campaign's invitations in throttled batches. Idempotent by state (only INVITED
    invitations of a SENDING campaign are sent), so a redelivered or retried task sends nothing
    twice. A mail relay outage (OSError) is retried with backoff, at most 5 times; then the
    campaign stays SENDING with the rest INVITED, visible on its page."""
    from .services import campaign_send_batches

    return campaign_send_batches(campaign_id=campaign_id)


@shared_task
def campaigns_sending_resume_task() -> int:
    """Periodic: enqueue again the sending of campaigns whose task was lost (csm/celery.py)."""
    from .services import campaigns_sending_resume

    return campaigns_sending_resume()


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=300)
def invitation_reminders_send_task() -> int:
    """Periodic: remind non-responders (csm/celery.py beat schedule)."""
    from .services import invitation_reminders_send

    return invitation_reminders_send()


@shared_task(autoretry_for=(ConnectionError,), max_retries=3, retry_backoff=True)
def response_alert_task(response_id: int) -> None:
    """Closed loop for a low score or a detractor; once per response (conditional update)."""
    from .services import response_alert

    response_alert(response_id=response_id)


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=120)
def event_invitations_send_task() -> int:
    """Periodic: invite customers after visits and closed complaints (csm/celery.py beat schedule)."""
    from .services import event_invitations_send

    return event_invitations_send()


@shared_task(autoretry_for=(ConnectionError,), max_retries=3, retry_backoff=True)
def response_complaint_rating_task(response_id: int) -> None:
    """A survey after a closed complaint: its result is the complaint's satisfaction rating."""
    from .services import response_complaint_rating

    response_complaint_rating(response_id=response_id)


@shared_task
def campaigns_close_due_task() -> int:
    """Periodic: close the campaigns whose end date has passed (csm/celery.py beat schedule).
    Idempotent by state: a closed campaign is skipped."""
    from .services import campaigns_close_due

    return campaigns_close_due()
