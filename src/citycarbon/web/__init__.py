"""The web platform: a FastAPI application serving the REST API (``/api/v1``) and the
bilingual, server-rendered UI. An adapter around the service layer: every rule it applies
(who may see what, what a workflow step does) lives in :mod:`citycarbon.service`."""
