"""Online energy monitoring of key energy users (重点用能单位在线监测), pure domain: meter
readings checked against their registry entry, data-quality rules, budgets and alerts. No
I/O: the ingest service, the lake and the query layer are adapters around it."""
