"""Datasets: QM9, materials, MD trajectories."""
