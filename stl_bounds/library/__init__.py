"""Built-in registered bounds and exact results, one module per source."""
