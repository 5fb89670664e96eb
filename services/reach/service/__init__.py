"""The reach service's use cases: follow the agenda, take reports in, remind, flag and advise; the ticker."""

from reach.service.policy import SERVICE, Clock, Policy
from reach.service.reach import Arrival, Reach
from reach.service.reminders import Reminders
from reach.service.ticker import Ticker

__all__ = ["SERVICE", "Arrival", "Clock", "Policy", "Reach", "Reminders", "Ticker"]
