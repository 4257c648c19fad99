// HTTP module — see ../shared/DESIGN.md.
