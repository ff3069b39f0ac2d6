"""Service layer: the use cases of the system of record (intake, reporting, ledger,
inventories), each run as an actor in one transaction, with access checked in one place
(:mod:`citycarbon.service.access`) and every change written to the audit log."""
