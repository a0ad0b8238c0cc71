"""Reading ``GET /__metrics__`` back: the Prometheus text format as a dict of samples."""

from __future__ import annotations

import http.client

from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import REQUEST_TIMEOUT

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_samples(text: str) -> Samples:
    """``{(sample name, frozenset of label pairs): value}`` for every sample of a scrape."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(key)[label] for (sample, key) in samples if sample == name}


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name`` over every series whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (sample, key), v in samples.items() if sample == name and wanted <= key)


def scrape(port: int) -> str:
    """``GET /__metrics__`` of the server on 127.0.0.1:``port`` (without a token): the text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", "/__metrics__")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode("utf-8")
    finally:
        connection.close()
