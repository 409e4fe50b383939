"""One module per dashboard page: its layout, its callbacks, the permission it needs."""
