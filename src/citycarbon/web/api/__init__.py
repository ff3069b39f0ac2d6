"""The REST API, version 1: JSON in and out, bearer tokens or a browser session."""
