// Worker module — see ../shared/DESIGN.md.
