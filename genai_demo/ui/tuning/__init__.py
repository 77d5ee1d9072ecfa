"""Views of the fine-tuning and RLHF pages."""
