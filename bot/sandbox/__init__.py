"""Sandbox stand-ins for LINE: used when no LINE credentials are configured."""
