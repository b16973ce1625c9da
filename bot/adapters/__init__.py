"""Adapters that put the desk in front of users: the console chat and Telegram."""
