// Providers module — see ../shared/DESIGN.md.
