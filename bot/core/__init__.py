"""The transport-agnostic core: pure rules, no Telegram, no database."""
