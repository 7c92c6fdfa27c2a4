"""Sources: the registry of feeds, fetching, parsing and turning entries into items."""
