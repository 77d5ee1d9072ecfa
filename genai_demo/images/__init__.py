"""Pictures: Stable Diffusion's text-to-image pipeline, one visible step at a time."""
