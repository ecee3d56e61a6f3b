"""Drill 1, survey load: N respondents at once on personal links, each submit sent twice.

Each respondent opens the answer page (GET) and sends the full answer twice at the same moment (a
double click), then takes the next link, until the time is up or the links run out. Then one link
is posted by 200 clients at once. The database must then hold exactly one response per link
answered, with every answer row once, and no request may end in a server error.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx

from .figures import Figures
from .stack import Stack

SAME_TOKEN_POSTS = 200


async def _respondent(client, links, data, deadline, statuses, pairs, tried, errors) -> None:
    while links and time.monotonic() < deadline:
        token = links.pop()
        url = f"/surveys/r/{token}/"
        tried.append(token)
        try:
            page = await client.get(url)
            statuses[page.status_code] += 1
            first, second = await asyncio.gather(
                client.post(url, data=data), client.post(url, data=data), return_exceptions=True
            )
        except httpx.HTTPError as error:
            errors[type(error).__name__] += 1
            continue
        codes = []
        for reply in (first, second):
            if isinstance(reply, BaseException):
                errors[type(reply).__name__] += 1
                codes.append(0)
            else:
                statuses[reply.status_code] += 1
                codes.append(reply.status_code)
        pairs[tuple(sorted(codes))] += 1


async def _load(base_url: str, links: list[str], data: dict, *, respondents: int, seconds: float):
    statuses: Counter = Counter()
    pairs: Counter = Counter()
    errors: Counter = Counter()
    tried: list[str] = []
    limits = httpx.Limits(max_connections=respondents * 2 + 10, max_keepalive_connections=respondents * 2)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(_respondent(client, links, data, deadline, statuses, pairs, tried, errors) for _ in range(respondents))
        )
    return statuses, pairs, errors, tried


async def _same_token(base_url: str, token: str, data: dict, posts: int):
    limits = httpx.Limits(max_connections=posts + 10)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0)) as client:
        start = asyncio.Event()

        async def post():
            await start.wait()
            return await client.post(f"/surveys/r/{token}/", data=data)

        waiting = [asyncio.create_task(post()) for _ in range(posts)]
        await asyncio.sleep(0.2)
        start.set()
        return await asyncio.gather(*waiting, return_exceptions=True)


def run(stack: Stack, *, short: bool) -> Figures:
    from django.db.models import Count

    from surveys.models import Invitation, Response

    from . import seed

    respondents, seconds = (40, 10) if short else (200, 60)
    # Enough links for the whole run: 2 shared cores answered 13-27 links a second here (80 to 1,610
    # in a run); the run stops early, and says so, if they run out.
    pool = respondents * 15
    figures = Figures("survey-load")
    started = time.monotonic()
    tag = seed.customers(drill="load", count=pool + 1)
    campaign = seed.campaign(drill="load", tag=tag)
    links = seed.tokens_of(campaign)
    data, answers_each = seed.answers_form(campaign)
    same_token = links.pop(0)
    links.reverse()
    print(f"    seeded {len(links) + 1} invitations in {time.monotonic() - started:.0f} s", flush=True)

    started = time.monotonic()
    statuses, pairs, errors, tried = asyncio.run(
        _load(stack.url, links, data, respondents=respondents, seconds=seconds)
    )
    elapsed = time.monotonic() - started
    figures.tried = len(tried)
    figures.server_errors = sum(n for status, n in statuses.items() if status >= 500)

    hashes = {seed.tokens.token_hash(token) for token in tried}
    answered = Invitation.objects.filter(campaign=campaign, token_hash__in=hashes)
    responses = Response.objects.filter(invitation__in=answered)
    per_invitation = Counter(responses.values_list("invitation_id", flat=True))
    figures.lost = len(hashes) - len(per_invitation)
    figures.duplicated = sum(n - 1 for n in per_invitation.values() if n > 1)
    wrong_answers = responses.annotate(rows=Count("answers")).exclude(rows=answers_each).count()
    completed = answered.filter(status=Invitation.Status.COMPLETED).count()
    figures.details.update(
        {
            "respondents at once, seconds": f"{respondents}, {seconds} (ran {elapsed:.1f} s)",
            "requests": f"{sum(statuses.values())} ({sum(statuses.values()) / elapsed:.0f}/s)",
            "statuses": dict(sorted(statuses.items())),
            "double-click pairs (statuses)": {"+".join(map(str, k)): v for k, v in sorted(pairs.items())},
            "client errors (timeouts, resets)": dict(errors) or 0,
            "responses stored / invitations completed": f"{len(per_invitation)} / {completed}",
            "responses with a wrong number of answer rows": wrong_answers,
        }
    )
    if errors:
        figures.problems.append(f"requests that got no answer: {dict(errors)}")
    if not links:
        figures.details["note"] = f"every link was answered before the {seconds} s were up"
    if wrong_answers:
        figures.problems.append(f"{wrong_answers} responses do not have {answers_each} answer rows")
    if completed != len(per_invitation):
        figures.problems.append("completed invitations and stored responses differ")
    if any(pair != (200, 404) for pair in pairs):
        figures.problems.append("a double click did not give one thank-you page and one used-link page")

    replies = asyncio.run(_same_token(stack.url, same_token, data, SAME_TOKEN_POSTS))
    same_statuses = Counter(r.status_code if isinstance(r, httpx.Response) else type(r).__name__ for r in replies)
    stored = Response.objects.filter(invitation__token_hash=seed.tokens.token_hash(same_token)).count()
    figures.tried += 1  # one more link, answered 200 times at once
    figures.server_errors += sum(n for s, n in same_statuses.items() if isinstance(s, int) and s >= 500)
    figures.details[f"{SAME_TOKEN_POSTS} posts of one link"] = (
        f"statuses {dict(same_statuses)}, responses stored {stored}"
    )
    if stored == 0:
        figures.lost += 1
    figures.duplicated += max(stored - 1, 0)
    if same_statuses.get(200) != 1:
        figures.problems.append(
            f"{SAME_TOKEN_POSTS} posts of one link: {same_statuses.get(200, 0)} thank-you pages, not 1"
        )
    return figures
