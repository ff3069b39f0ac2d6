"""Sub-commands of the ``citycarbon`` CLI, one module per area (``citycarbon.cli`` mounts
them). Each imports its heavy dependencies inside the command, so start-up stays fast."""
