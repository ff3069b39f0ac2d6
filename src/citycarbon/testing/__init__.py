"""Public testing helpers: compare results one way, and run reference cases."""
