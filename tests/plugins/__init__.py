"""Plugins that exercise the extension points from outside the package (docs/plugins.md)."""
