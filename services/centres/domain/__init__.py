"""Pure rules of the centres service: no I/O; time and ids come in as arguments."""
