"""The admin console's read models and admin actions on users: plain values, no Telegram."""
