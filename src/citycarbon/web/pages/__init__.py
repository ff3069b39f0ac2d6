"""The server-rendered pages (Jinja2 + htmx + ECharts)."""
