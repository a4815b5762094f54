"""Demo content for the demo tenants, used only by the `seed_demo` command."""
