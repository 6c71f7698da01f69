"""insight-app: the Dash workbench (installed as the ``insight_app`` package)."""
