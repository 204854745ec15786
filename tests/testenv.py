"""Loaded with `-p tests.testenv` before Django settings: the environment the tests run in.

Every run gets its own temporary WEERBAAR_DATA_DIR and its own Celery queue name, so runs never
see each other's files or tasks. DATABASE_URL and CELERY_BROKER_URL pass through unchanged:
unset means embedded (SQLite, in-process worker); set means PostgreSQL and a real broker.
"""

import os
import tempfile
import uuid

_tmp = tempfile.mkdtemp(prefix="weerbaarnl-test-")
os.environ["WEERBAAR_DATA_DIR"] = _tmp
os.environ.setdefault("WEERBAAR_URL", "http://testserver")
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"weerbaarnl-test-{uuid.uuid4().hex[:12]}"
if os.environ.get("DATABASE_URL") and not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = "test-" + uuid.uuid4().hex + uuid.uuid4().hex
