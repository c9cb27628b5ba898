"""Browser fixtures (browser, page, login) live in tests/conftest.py so every folder's
browser tests share one Chromium."""
