"""The rule language: grammar, checker, Python and SQL back ends."""
