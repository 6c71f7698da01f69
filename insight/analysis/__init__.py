"""Analyses of what a model learned; each returns plain data (NumPy / pandas)."""
