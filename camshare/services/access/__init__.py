"""Police access requests: finding cameras near an incident, asking owners, their answers."""
