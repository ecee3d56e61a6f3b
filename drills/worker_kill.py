"""Drill 3, the worker killed with SIGKILL while a campaign is being sent.

A campaign is sent to the drill's customers; while its invitations are being handed to the outbox
and delivered, the Celery worker and its pool processes are killed at once (SIGKILL: no warm
shutdown, nothing acknowledged or given back), and started again a few seconds later. Every
customer must then get exactly one invitation: none missing, none twice, one outbox row each.
"""

from __future__ import annotations

import time

from . import mail_check
from .figures import Figures
from .stack import Stack, wait_until


def run(stack: Stack, *, short: bool) -> Figures:
    from core.references import reference_of
    from surveys.models import Campaign, Invitation

    from . import seed

    count, kills = (400, 1) if short else (2000, 3)
    figures = Figures("worker-kill")
    domain = f"@kill.{seed.DOMAIN}"
    tag = seed.customers(drill="kill", count=count)
    campaign = seed.campaign(drill="kill", tag=tag)
    invitations = list(Invitation.objects.filter(campaign=campaign).order_by("pk"))
    references = [reference_of(invitation) for invitation in invitations]
    recipients = {invitation.email for invitation in invitations}

    killed_at = []
    for kill in range(kills):
        # Kill once the sending is well under way: the first batch handed over (short), or a further
        # part of the campaign each time (long).
        threshold = max(1, (kill + 1) * count // (kills + 2))
        wait_until(
            lambda threshold=threshold: mail_check.outbox_of(references).count() >= threshold,
            timeout=120,
            interval=0.05,
            what=f"{threshold} invitations in the outbox",
        )
        handed = mail_check.outbox_of(references).count()
        delivered = len(stack.smtp.to(domain))
        stack.worker_kill()
        killed_at.append(f"{handed} handed over, {delivered} delivered")
        time.sleep(3)
        stack.worker_start()

    waited = mail_check.wait_delivered(stack, references=references, domain=domain, timeout=150 if short else 300)
    mail_check.account(figures, stack, references=references, recipients=recipients, domain=domain)
    campaign.refresh_from_db()
    still_invited = Invitation.objects.filter(campaign=campaign, status=Invitation.Status.INVITED).count()
    figures.details.update(
        {
            "invitations": count,
            "SIGKILLs (at)": killed_at,
            "waited for delivery after the last restart": f"{waited:.0f} s",
            "campaign status, invitations never handed over": f"{campaign.status}, {still_invited}",
        }
    )
    if still_invited or campaign.status != Campaign.Status.RUNNING:
        figures.problems.append(f"the campaign is {campaign.status} with {still_invited} invitations never handed over")
    return figures
