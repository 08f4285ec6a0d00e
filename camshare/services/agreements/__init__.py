"""The owner agreement: its texts and versions, and asking owners to accept a new one."""
