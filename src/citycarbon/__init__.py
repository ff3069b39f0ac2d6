"""citycarbon: an open-source low-carbon city management platform.

The domain core (``citycarbon.accounting`` and friends) is pure: it does no I/O.
Reference data is loaded by ``citycarbon.refdata.loader``; the CLI and other adapters
sit around the core.
"""

__version__ = "0.1.0"
