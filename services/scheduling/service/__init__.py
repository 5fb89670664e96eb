"""The scheduling use cases: intake of partner activities, zone detection, acknowledgements, the calendar."""
