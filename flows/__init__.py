"""Prefect flows, deployments and the ``iitstudies`` command line."""
