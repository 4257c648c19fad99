// Postgres module — see ../shared/DESIGN.md.
