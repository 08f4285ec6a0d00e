"""The smallest Reflex page: the floor camshare's pages are measured against."""
