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

    count = 400 if short else 2000
    figures = Figures("worker-kill")
    domain = f"@kill.{seed.DOMAIN}"
    tag = seed.customers(drill="kill", count=count)
    campaign = seed.campaign(drill="kill", tag=tag)
    invitations = list(Invitation.objects.filter(campaign=campaign).order_by("pk"))
    references = [reference_of(invitation) for invitation in invitations]
    recipients = {invitation.email for invitation in invitations}

    # Where to kill: once the first batch is in the outbox (the sending task is mid-campaign), and in
    # the long mode also twice while the invitations are being delivered.
    points = [("handed over", count // 3)]
    if not short:
        points += [("delivered", count // 3), ("delivered", 2 * count // 3)]
    killed_at = []
    for kind, threshold in points:

        def reached(kind=kind, threshold=threshold) -> bool:
            if kind == "handed over":
                return mail_check.outbox_of(references).count() >= threshold
            return len(stack.smtp.to(domain)) >= threshold

        wait_until(reached, timeout=180, interval=0.05, what=f"{threshold} {kind}")
        handed, delivered = mail_check.outbox_of(references).count(), len(stack.smtp.to(domain))
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
