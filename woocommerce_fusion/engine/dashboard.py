"""The figures of the WooCommerce workspace's cards and charts that are not plain counts.

- Sync lag: minutes since a server's Last Synchronised On, the site-clock cursor a run moves only
  when it completed (every page read and handed out): how far behind ERPNext may be. A server
  never synchronised has no lag to show (None), not zero.
- API error rate: failed calls out of all calls in the Request Log over the last 24 hours, in
  percent. Only a server whose Request Log Level is "All" logs its successful calls; for the
  others ("Errors only", the default, or "Off") the number of calls is unknown, so their rate is
  None rather than a misleading 100 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ERROR_RATE_PERIOD = timedelta(hours=24)
LEVEL_ALL = "All"


def lag_minutes(last_synchronised_on: datetime | None, now: datetime) -> int | None:
	if last_synchronised_on is None:
		return None
	return max(0, int((now - last_synchronised_on).total_seconds() // 60))


def worst_lag(lags: Iterable[int | None]) -> int | None:
	known = [lag for lag in lags if lag is not None]
	return max(known) if known else None


@dataclass(frozen=True)
class RequestCounts:
	server: str
	log_level: str
	requests: int
	errors: int

	@property
	def rate_known(self) -> bool:
		return self.log_level == LEVEL_ALL


def error_rate(counts: Iterable[RequestCounts]) -> float | None:
	"""Errors per 100 calls over the servers that log every call; None when none of them made
	a call (or none logs every call)."""
	known = [c for c in counts if c.rate_known]
	requests = sum(c.requests for c in known)
	if not requests:
		return None
	return round(100.0 * sum(c.errors for c in known) / requests, 2)
