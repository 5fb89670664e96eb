"""The notifications use cases: deciding who is told what, digests, subscriptions, and sending."""
