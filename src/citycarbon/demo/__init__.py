"""The demo city (synthetic data shaped like Zhenjiang)."""
