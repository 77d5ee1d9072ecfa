"""Changing a text model: LoRA fine-tuning, overfitting, reward models and DPO."""
