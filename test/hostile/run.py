#!/usr/bin/env python3
"""run.py - the hostile-server suite; prints 'N passed, N failed, N skipped'."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

harness.HERE = HERE
sys.exit(harness.main())
