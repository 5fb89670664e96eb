"""What the tests share: waiting for conditions, reading topics."""
