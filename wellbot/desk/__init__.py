"""The staff desk: the Mini App, the two-way inbox, calendar feeds and charts (see feature.py)."""
