"""The Telegram adapter: python-telegram-bot handlers that translate updates for the desk."""
