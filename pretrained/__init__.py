"""Bundled pretrained models: one folder per model with weights.safetensors and card.json."""
