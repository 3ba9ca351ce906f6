"""Health news: items, digests and broadcasts, sent by one paced, resumable delivery engine."""
