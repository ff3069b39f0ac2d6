"""Enterprise reporting domain (pure: no I/O, no storage): identifiers, rules and checks."""
