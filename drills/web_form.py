"""The public complaint form as a person fills it in: open it, take a few seconds, send it.

Behind the Compose stack's proxy every sender has an address of their own (X-Forwarded-For, one
trusted hop: the stack runs with TRUSTED_PROXY_COUNT=1), so the per-address limit of the form
(five an hour) does not count the drill's senders as one. The CSRF cookie is sent back by hand: it
is marked Secure (production), and the drill talks plain HTTP on loopback.
"""

from __future__ import annotations

import re
import time

import httpx

MIN_FILL_SECONDS = 3.2  # the form refuses (silently) what was filled in faster (complaints/views/public.py)


def form_open(client: httpx.Client, *, address: str) -> dict | None:
    """Open the form; the fields to send back, or None when the page did not come (status in 'status')."""
    page = client.get("/complaints/web/", headers={"X-Forwarded-For": address})
    if page.status_code != 200:
        return {"status": page.status_code}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    started = re.search(r'name="started" value="([^"]+)"', page.text)
    return {
        "status": 200,
        "cookie": page.cookies.get("csrftoken", ""),
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "started": started.group(1) if started else "",
        "opened": time.monotonic(),
    }


def form_send(client: httpx.Client, opened: dict, *, address: str, email: str, subject: str) -> int:
    """Send a filled-in form (at least MIN_FILL_SECONDS after it was opened); the status."""
    wait = MIN_FILL_SECONDS - (time.monotonic() - opened["opened"])
    if wait > 0:
        time.sleep(wait)
    data = {
        "csrfmiddlewaretoken": opened["csrfmiddlewaretoken"],
        "started": opened["started"],
        "name": f"Drill sender {email}",
        "email": email,
        "phone": "",
        "kind": "complaint",
        "subject": subject,
        "description": "The delivery arrived late and two cartons were damaged.",
        "desired_remedy": "",
        "product_reference": "",
        "website": "",
    }
    reply = client.post(
        "/complaints/web/",
        data=data,
        headers={"X-Forwarded-For": address, "Cookie": f"csrftoken={opened['cookie']}"},
    )
    if reply.status_code == 200 and "web-form-thanks" not in reply.text:
        return 422  # the form came back with errors: not recorded
    return reply.status_code
