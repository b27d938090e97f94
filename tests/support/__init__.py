"""What the tests share, imported by name (never from a conftest): the bundled
data as events, stores and their contents, Kafka topics, matchflow as a
process, and a scriptable football-data.co.uk."""
