"""Fakes of external services (an OpenAI-compatible API) for tests and local runs."""
