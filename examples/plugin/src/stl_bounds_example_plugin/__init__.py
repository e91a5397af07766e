"""An example stl-bounds plugin: the bound files of this folder, loaded through the entry point
group ``stl_bounds.bounds`` (see ``examples/plugin/pyproject.toml``)."""
