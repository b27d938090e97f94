"""Live feeds: poll a publisher's files and keep Kafka fed with new fixtures,
odds and results, exactly once."""
