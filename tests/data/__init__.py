"""Small test files made for the tests (see README.md here for their source and licence)."""

from pathlib import Path

TEST_DATA = Path(__file__).resolve().parent
