"""Property-based fuzz of the OpenAPI schema (schemathesis strategies driven by
Hypothesis): nothing a client can send gets a 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from serving.app import create_app
from stream.config import Settings
from tests.support.stores import PG_KINDS


def _operations(url):
    app = create_app(Settings(db=url, api_key="secret-key"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("kind", ["sqlite", *PG_KINDS])
def test_no_server_errors_on_any_operation(replayed_urls, kind):
    urls, _ = replayed_urls
    operations = _operations(urls[kind])
    assert len(operations) == 13  # every route, /metrics included
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=100,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} "
                    f"{case.body!r:.200}: {response.status_code} {response.text[:200]}"
                )

        fuzz()
    assert not failures, "\n".join(failures[:10])
