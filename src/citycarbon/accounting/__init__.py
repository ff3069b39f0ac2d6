"""The pure accounting core: equations, methods, the inventory engine. No I/O."""
