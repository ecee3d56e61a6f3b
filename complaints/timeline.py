from customers.timeline import TimelineEntry


def complaint_entries(customer, limit: int) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=c.received_at,
            kind="complaint",
            title=f"{c.get_kind_display()} {c.reference}: {c.subject}",
            detail=c.get_severity_display(),
            url=c.get_absolute_url(),
            actor=str(c.created_by) if c.created_by else "",
        )
        for c in customer.complaints.select_related("created_by")[:limit]
    ]
