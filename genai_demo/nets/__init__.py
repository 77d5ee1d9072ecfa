"""Small networks trained live: neurons, layers, the training playground, a character model, GANs, VAEs."""
