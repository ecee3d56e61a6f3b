"""Simplified Chinese: amounts and counts grouped in thousands with a comma (12,345.00), as Chinese
invoices, contracts and financial statements write them. Django's zh_Hans has no separator (and
groups by four, 万, where it does)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
