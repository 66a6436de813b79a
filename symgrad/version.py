"""Theano's `theano.version`: the package's version strings."""
version = short_version = full_version = "0.1.0"
release = False  # a development version
git_revision = "unknown"
