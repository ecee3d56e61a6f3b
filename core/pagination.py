"""Pagination for long lists whose exact size is not worth a full count on every page view."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Page numbers beyond this are treated as this one when deciding how far to count (a LIMIT stays an
# ordinary integer whatever number is typed into the address bar).
_MAX_PAGE_REACH = 2**31


class BoundedCountPaginator(Paginator):
    """A Paginator that counts at most `count_limit` rows, or as far as the requested page needs.

    An exact COUNT(*) over hundreds of thousands of rows costs more than the page itself, and
    nobody reads "203,740 complaints" differently from "more than 10,000". The count is
    `SELECT COUNT(*) FROM (... LIMIT n)`: it stops after n rows. Up to the limit the count is exact
    (`count_is_exact`); beyond it `count` is a lower bound, which is still enough to page: the limit
    always reaches one row past the requested page, so that page, its neighbours and "next" are
    right, and every page stays reachable (a deep page counts that deep, and a page number below 1,
    which Django answers with the last page, counts everything, as a plain Paginator would). Use
    `get_page()`, which tells the count how far to reach, before reading `count`.
    """

    def __init__(self, object_list, per_page, *, count_limit: int = 10_000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = count_limit
        self._reach: int | None = 0

    def get_page(self, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1  # Django shows the first page for a number that is not one
        # Django answers a page number below 1 with the last page, which only an exact count finds.
        self._reach = None if wanted < 1 else min(wanted, _MAX_PAGE_REACH) * self.per_page
        return super().get_page(number)

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        if self._reach is None:
            return self.object_list.count(), True
        limit = max(self.count_limit, self._reach) + 1
        counted = self.object_list.order_by()[:limit].count()
        return counted, counted < limit

    @property
    def count(self) -> int:
        """The number of rows: exact when `count_is_exact`, otherwise more rows than this exist."""
        return self._counted[0]

    @property
    def count_is_exact(self) -> bool:
        return self._counted[1]

    @property
    def num_pages_label(self) -> str:
        """The number of pages for "Page 3 of …": "201", or "200+" when only a lower bound is known."""
        if self.count_is_exact:
            return str(self.num_pages)
        return f"{(self.count - 1) // self.per_page}+"
