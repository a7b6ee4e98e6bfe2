"""The application shell: settings, wiring, entry points, web server, sandbox."""
