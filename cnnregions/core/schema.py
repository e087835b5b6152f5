"""The version of the JSON written for other programs: every subcommand's ``--json``
output and the adjacency graph's file share it, so it lives below both."""

__all__ = ["JSON_SCHEMA_VERSION"]

#: Version of the ``--json`` output schema of every subcommand (and of the graph's JSON file).
JSON_SCHEMA_VERSION = 2
