"""Low-carbon development index: the pure domain core.

Normalisation of an (alternatives × indicators) matrix (:mod:`.normalise`), indicator weights
from experts, the entropy weight method or AHP (:mod:`.weights`), aggregation into a composite
index, ranking and a weight-sensitivity analysis (:mod:`.composite`). Nothing here does I/O;
the indicator definitions, the data and the pages live in the adapters.
"""
