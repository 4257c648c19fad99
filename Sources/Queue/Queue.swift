// Queue module — see ../shared/DESIGN.md.
