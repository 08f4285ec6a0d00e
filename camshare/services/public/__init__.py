"""What anyone may see: the transparency page's figures."""
