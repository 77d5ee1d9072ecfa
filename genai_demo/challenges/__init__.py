"""What goes wrong: bias probes and made-up facts."""
