"""The core: settings helpers, audit, scoping, errors. It imports no domain module."""
