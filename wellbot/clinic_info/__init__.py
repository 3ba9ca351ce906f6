"""Clinic info: opening hours, address with a map pin, phone, parking, transit, prices and insurance."""
