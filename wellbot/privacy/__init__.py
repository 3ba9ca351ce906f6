"""Privacy: /privacy, /mydata and /forget, and the retention purge, over every feature's declared data hooks.

The feature is declared in `feature.py`; `store` walks the features' export, erase and purge hooks
(no Telegram), `handlers` is the thin bot layer.
"""
