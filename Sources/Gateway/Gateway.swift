// Gateway module — see ../shared/DESIGN.md.
