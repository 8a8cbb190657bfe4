"""The workspace's figures that are not plain counts: sync lag and API error rate."""

from __future__ import annotations

from datetime import datetime, timedelta

from woocommerce_fusion.engine.dashboard import RequestCounts, error_rate, lag_minutes, worst_lag

NOW = datetime(2026, 12, 2, 8, 0)


def test_lag_is_whole_minutes_since_the_last_completed_run():
	assert lag_minutes(NOW - timedelta(minutes=90, seconds=59), NOW) == 90
	assert lag_minutes(None, NOW) is None
	# A cursor a little ahead of the site's clock is no negative lag.
	assert lag_minutes(NOW + timedelta(minutes=1), NOW) == 0


def test_worst_lag_ignores_servers_never_synchronised():
	assert worst_lag([5, None, 42]) == 42
	assert worst_lag([None]) is None


def test_error_rate_counts_only_servers_that_log_every_call():
	counts = [
		RequestCounts("A", "All", requests=200, errors=5),
		RequestCounts("B", "All", requests=50, errors=0),
		# Logs only its errors: its 7 rows are not 7 calls out of 7.
		RequestCounts("C", "Errors only", requests=7, errors=7),
	]
	assert error_rate(counts) == 2.0
	assert error_rate(counts[2:]) is None
	assert error_rate([RequestCounts("A", "All", 0, 0)]) is None
	assert error_rate([RequestCounts("A", "All", 3, 1)]) == 33.33
