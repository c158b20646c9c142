import sys

from jixiao.cli.main import main

sys.exit(main())
