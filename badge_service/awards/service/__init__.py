"""The awards services: who may award, signing and storing, batch sizes, conformance checks."""
