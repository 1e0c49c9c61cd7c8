"""Loaders: vector files and Common Reporting workbooks into the versioned PostGIS store.

Every loader reads a whole file, collects every problem it finds, and either loads all of it in one
transaction or nothing (``etl.errors.LoadProblems``).
"""
