"""camshare: an open, self-hostable community camera registry."""
