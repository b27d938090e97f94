"""Kafka in and out: topic admin, the event publisher, the consumer source of
the dataflow and the dead-letter sink (confluent-kafka)."""
