#!/usr/bin/env python3
"""run.py - run the integration tests and print 'N passed, N failed, N skipped'."""
import sys

from harness import main

sys.exit(main())
