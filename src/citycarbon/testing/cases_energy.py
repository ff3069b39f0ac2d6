"""Reference-case adapters: energy (see reference_cases.py)."""
