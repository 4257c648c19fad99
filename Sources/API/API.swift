// API module — see ../shared/DESIGN.md.
