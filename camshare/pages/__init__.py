"""One module per page or flow."""
