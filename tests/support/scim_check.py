"""Judges Candor's SCIM server with scim2-tester (PyPI), a checker no one here wrote.

Usage: scim_check.py BASE_URL API_KEY   (BASE_URL ends with /scim/v2)
Prints one line per check and exits 1 when any check fails (status ERROR).
"""
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base, key = sys.argv[1], sys.argv[2]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failed = [r for r in results if r.status == Status.ERROR]
    for r in results:
        print(f"{r.status.name:8} {r.title}: {r.reason or ''}".replace("\n", " ")[:300])
    counts = {s: sum(1 for r in results if r.status == s) for s in Status}
    print(f"scim2-tester: {counts[Status.SUCCESS]} succeeded, {len(failed)} failed, "
          f"{counts.get(Status.SKIPPED, 0)} skipped")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
