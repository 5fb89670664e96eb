"""The centres service: centres, rooms, bookings, coaching, budgets, subsidies, volunteers."""
