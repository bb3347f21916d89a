"""Scrapy settings for the xxgk crawler. Polite by default; every value can be overridden with
`scrapy crawl … -s NAME=VALUE` or `xxgk crawl --delay/--concurrency/--user-agent/-s NAME=VALUE`.

Only Scrapy's own scheduler, dupefilter and middleware slots are used, so a crawl from several
machines (`xxgk crawl --redis`) is a settings change on top of these: scrapy-redis's scheduler
and dupefilter, the fleet's download handler and robots.txt middleware, the stream pipeline
(crawler.fleet.FLEET_SETTINGS).
"""
from __future__ import annotations

import os

from crawler.chromium import find_chromium

BOT_NAME = "xxgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Identify ourselves with a way to reach the operator (override: XXGK_USER_AGENT or -s USER_AGENT=…)
USER_AGENT = os.environ.get(
    "XXGK_USER_AGENT",
    "xxgk-archive/0.1 (research archive of government information-disclosure annual reports; "
    "+https://github.com/xxgk-archive/xxgk-archive)",
)

# Politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # reports are rarely over a few MB; scans can reach tens
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep truncated bodies: they are captured and flagged

# Retries: 5xx and 429 with exponential backoff (crawler.middlewares.BackoffRetryMiddleware);
# 521 is the first answers of the cookie dance — a retry carries the cookies they set.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429, 521]
RETRY_BACKOFF_BASE = 2.0  # seconds; doubled per attempt; Retry-After is honoured up to the max
RETRY_BACKOFF_MAX = 120.0

COOKIES_ENABLED = True
HTTPERROR_ALLOW_ALL = True  # the spider records 4xx/5xx answers as error or blocked captures
REDIRECT_ENABLED = True
METAREFRESH_ENABLED = True
METAREFRESH_MAXDELAY = 30

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # just inside the capture: validators for archived URLs, 304s answered from the WARC archive
    "crawler.incremental.ConditionalRequestsMiddleware": 940,
    # closest to the network: sees every raw answer (3xx, 5xx, challenges) before anything else
    "crawler.middlewares.WarcCaptureMiddleware": 950,
}
# Incremental crawls (crawler/incremental.py, policy in crawler/policy.py) and resumable runs
# (crawler/jobdir.py); docs/crawling.md, "Scheduled and incremental crawls"
SPIDER_MIDDLEWARES = {"crawler.incremental.IncrementalSpiderMiddleware": 950}
EXTENSIONS = {"crawler.jobdir.JobDirExtension": 0}  # JOBDIR per set of sources under <data dir>/jobs/
XXGK_INCREMENTAL = True          # False: fetch everything again (still no duplicates in the archive)
XXGK_RESUME = True               # False: no JOBDIR
XXGK_LISTING_SAFETY_DEPTH = 1    # all-known list pages still followed before pagination stops
XXGK_RECHECK_AGE_FACTOR = 0.25   # a known document is re-checked after this share of its age…
XXGK_RECHECK_MIN_DAYS = 1.0      # …but not sooner than this
XXGK_RECHECK_MAX_DAYS = 90.0     # …nor later than this
# Items handled at once per response: a callback yields one capture and a few requests, and
# Scrapy starts this many asyncio tasks for every response (the default 100 costs ~1 ms a page)
CONCURRENT_ITEMS = 8
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}
# Processes parsing documents beside the crawl (archive/parsepool.py); empty: one per core but
# one, 0: parse in the crawl process
XXGK_PARSE_WORKERS = os.environ.get("XXGK_PARSE_WORKERS", "")
# Group commit of the archive: documents are written at most this many at a time or this many
# seconds after they arrive (a crash loses at most that much; the WARC files keep the bytes)
XXGK_COMMIT_DOCUMENTS = 32
XXGK_COMMIT_SECONDS = 1.0

# Where captures and the archive go; empty: archive.paths.resolve decides ($XXGK_DATA, $XXGK_DB,
# ./data, <data dir>/xxgk.db), as for every xxgk command
XXGK_DATA_DIR = ""
XXGK_DB = ""
XXGK_WARC_MAX_BYTES = 1024 * 1024 * 1024  # rotate WARC files at 1 GiB
XXGK_WARC_INDEX = "crawler.warc.FileDigests"  # where payloads seen before are looked up
XXGK_ARCHIVE = "crawler.connection.ArchiveConnection"  # the crawl's view of the archive

# Several machines (`xxgk crawl --redis`, crawler/fleet/; docs/crawling.md, "Several machines")
XXGK_REDIS_PREFIX = "xxgk"           # every key of the fleet starts with this
XXGK_REDIS_LEASE_SECONDS = 30.0      # a dead worker's requests go back to the queue after this
XXGK_REDIS_IDLE_SECONDS = 30.0       # a worker stops once the frontier has been empty this long
XXGK_REDIS_TICK = 0.25               # seconds between a worker's lease acknowledgements and renewals
XXGK_REDIS_STREAM_MAX = 5000         # entries waiting for the writer before workers hold back
XXGK_WARC_WAIT_SECONDS = 300.0       # the writer waits this long for a shared WARC record to read back
XXGK_FLEET_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"  # behind the host slots
# and, set by --redis itself (crawler.fleet.apply_fleet_settings): XXGK_FLEET_ROLE ("worker" or
# "seed"), XXGK_FLEET_CRAWL (the crawl's id), XXGK_FLEET_NAME (this process in the fleet),
# XXGK_FLEET_DELAY (DOWNLOAD_DELAY, now the fleet's per host; Scrapy's own becomes 0)

# Headless browser for sources marked `render: browser` (the spider switches the download
# handler on only when such a source is crawled): the system's Chromium ($XXGK_CHROMIUM, else
# found on the PATH; crawler/chromium.py), never `playwright install`.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": find_chromium(),
    "headless": True,
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

LOG_LEVEL = os.environ.get("XXGK_LOG_LEVEL", "INFO")
TELNETCONSOLE_ENABLED = False
