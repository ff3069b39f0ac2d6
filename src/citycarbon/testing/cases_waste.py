"""Reference-case adapters: waste (see reference_cases.py)."""
