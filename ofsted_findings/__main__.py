import sys

from ofsted_findings.cli import main

sys.exit(main())
