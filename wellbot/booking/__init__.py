"""Booking: clinic rules, availability, the booking flow, visits, staff schedule and waitlist."""
