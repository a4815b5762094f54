"""Settings of the throughput bench's server (bench/throughput.py): production's, plus one URL.

The tenant URLconf gains `/bench/bare/` (bench/throughput_urls.py), a view that answers a few
bytes without a query or a template, served through the same middleware stack as every page: the
ceiling this stack reaches on the machine, against which the pages' throughput is compared. The
production URLconfs never have it: only a server started with this module (bench/ on the path)
does.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "throughput_urls"
