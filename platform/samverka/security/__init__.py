"""Cross-cutting security services: encryption at rest (more arrive with the identity issue)."""
