"""The shared core with no Telegram in it: settings, database, clock, clinic file, patients, flows."""
