"""The delivery services: what a person sees of a signed credential, and baked downloads."""
