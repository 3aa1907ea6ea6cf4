#!/usr/bin/env python3
"""run.py - the real-terminal tests; prints 'N passed, N failed, N skipped'."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

sys.argv = [sys.argv[0]]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
harness.HERE = os.path.dirname(os.path.abspath(__file__))
sys.exit(harness.main())
