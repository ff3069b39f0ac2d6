"""Peak pathways and industry carbon transformation: the pure domain core.

Scenario drivers over time and scenarios that inherit from a parent, projections of energy
and emissions with Monte Carlo bands, peak detection, LMDI decomposition of a change into
its drivers. Nothing here does I/O; scenario files, storage and pages live in the adapters.
"""
