"""napari contributions: thin wrappers over the Qt-free core and io."""
