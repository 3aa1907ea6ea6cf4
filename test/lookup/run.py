#!/usr/bin/env python3
"""run.py - the lookup tests (issue 11); the module names to run are the
arguments.  Prints 'N passed, N failed, N skipped'."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
sys.path.insert(0, HERE)
import harness  # noqa: E402

harness.HERE = HERE
sys.exit(harness.main())
