"""aiogram routers, one package per feature. Handlers stay thin: read, call a service, render."""
