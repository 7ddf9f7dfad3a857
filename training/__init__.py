"""Datasets, AdaLoRA fine-tuning, evaluation and scheduled retraining."""
