"""The local Bot API stand-in and `wellbot chat`: test and demo tools, imported only by the commands that use them."""
