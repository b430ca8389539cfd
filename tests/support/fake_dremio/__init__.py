"""A fake Dremio REST server for the tests, following docs/providers/dremio-api.md (OSS 25.2).

A real HTTP server on 127.0.0.1 (threads, JSON), implementing what the providers rely on:

* bootstrap and login: "No User Available" (403) on /apiv2 before the first user, 401 with an empty body
  for a missing or unknown token, the three Authorization forms (`_dremio<t>`, `Bearer <t>`, bare);
* a case-insensitive namespace of spaces, folders, sources, views and tables with UUID ids and opaque
  12-character tags that change on every write; `dremio:/…` ids for unpromoted folders of a source;
* tag enforcement as Dremio does it: sources, spaces, folders and reflections yes, views and tables no;
  the catalog PUT/DELETE quirk that turns bad input into 404;
* strict nested objects (`config` keys per source type, `metadataPolicy`), lenient top level; PUT
  resetting what it omits; secrets masked as `$DREMIO_EXISTING_VALUE$` and honoured on PUT;
  metadata-impacting source changes dropping promoted datasets and their reflections;
* views whose SQL must reference existing datasets (400 INVALID_QUERY otherwise); promotion of source
  folders to tables and their refresh policies; reflections with non-unique names, tags and status;
* Dremio's error body shapes.

What a fake cannot know is seeded by the tests: the folders and files inside S3 sources
(`seed_s3_folder`), the tables of PostgreSQL and Elasticsearch sources (`seed_table`), and which
hosts a source cannot reach (`unreachable_hosts`). A view's columns are taken from its SELECT list.

Test hooks: `fail_next(n, status)` answers the next n requests with that status, `expire_tokens()`,
`before_next(method, pattern, action)` runs `action` just before the next matching request (another
client writing in between, e.g. `touch(id)` to change a tag), `requests` (method, path) of everything
received.
"""

from tests.support.fake_dremio.model import EXISTING, HttpError
from tests.support.fake_dremio.server import FakeDremio

__all__ = ["EXISTING", "FakeDremio", "HttpError"]
