"""The statutory cycle (Lag 2023:196): reporting rounds, situation pictures, action plans,
councils, agreements and pledges, compliance. Each area is a package of its own; what they
share (decisions, small-count suppression) lives at this level."""
