"""Reference-case adapters: afolu (see reference_cases.py)."""
