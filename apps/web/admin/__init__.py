"""Administration pages and the JSON API, both driven by one description per kind of object."""
