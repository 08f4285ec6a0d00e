"""How camshare runs in production: proxy, units, env template, backups, and a local topology."""
