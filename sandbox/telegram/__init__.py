"""The Telegram emulator: a stateful Bot API server (`botapi.py`) validated against the bundled
spec (`spec/api.json`), the control API that acts as users (`control.py`) and the chat page
(`static/index.html`)."""
