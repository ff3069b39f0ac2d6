"""Reference-case adapters: ippu (see reference_cases.py)."""
