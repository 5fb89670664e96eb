"""Sending deliveries: claim pending deliveries under a lease, send them concurrently per endpoint, mark them.

Deliveries decided in this process arrive already leased, straight from the commit that staged them
(``take``); the claim loop picks up the rest: retries, leases that expired, other instances' leftovers.
A claim records the attempt (attempts + 1, a lease token) and commits before anything is sent; the
outcome is then marked only under that token, and each claim renews the leases of the deliveries the
process still holds (waiting or being sent) before they run short. A process killed between send and
mark leaves the lease to expire; the delivery is then sent again with the same id (webhook
``X-Werkplaats-Delivery``, e-mail Message-ID) so the receiver can drop the repeat. Instances never send
a delivery together: candidates are locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and taken by
a conditional update.
"""

from notifications.service.sending.policy import Prepare, Remember, Send, SenderPolicy
from notifications.service.sending.sender import Sender

__all__ = ["Prepare", "Remember", "Send", "Sender", "SenderPolicy"]
