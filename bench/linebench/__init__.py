"""Parts of ``bench/webhook.py``: LINE stand-in, load, the two reference bots, processes."""
