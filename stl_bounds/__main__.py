"""``python -m stl_bounds``: the ``stl-bounds`` command line."""

from stl_bounds.cli import main_entry

if __name__ == "__main__":
    main_entry()
