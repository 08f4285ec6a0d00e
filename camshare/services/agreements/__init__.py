"""The owner agreement: its texts and versions, publishing a new one, who accepted which."""
