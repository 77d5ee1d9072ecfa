"""Language models: writing text, tokens, attention and the transformer, chat and prompting."""
