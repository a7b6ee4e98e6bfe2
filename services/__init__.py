"""Domain logic and adapters to the outside world. Nothing here imports aiogram types."""
