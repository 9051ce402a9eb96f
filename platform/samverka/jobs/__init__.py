"""Background jobs on RQ, through a transactional outbox (``outbox.py``): jobs carry their
tenant, re-establish its scope and re-check plugin enablement when run (``runner.py``), have
one effect however often they run, and periodic work runs in one scheduler (``scheduler.py``).
"""
