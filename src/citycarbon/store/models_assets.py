"""The system of record for enterprise carbon assets (企业碳资产): allowance allocations and
the carbon-asset ledger. (Filled in by migration 0005.)"""

from __future__ import annotations
