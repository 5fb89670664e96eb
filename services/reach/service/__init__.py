"""The reach service's use cases: follow the agenda, take reports in, remind, flag and advise; the ticker."""

from reach.service.reach import SERVICE, Arrival, Clock, Policy, Reach
from reach.service.ticker import Ticker

__all__ = ["SERVICE", "Arrival", "Clock", "Policy", "Reach", "Ticker"]
