// MockProvider module — see ../shared/DESIGN.md.
