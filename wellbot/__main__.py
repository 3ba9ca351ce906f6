"""Allow `python -m wellbot`."""

from wellbot.cli import main

raise SystemExit(main())
