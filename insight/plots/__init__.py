"""Figure builders: analysis data in, plotly figure out (the same figure for notebook, app and files)."""
