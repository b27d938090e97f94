"""What a feed has published, kept in a small JSON file so a restarted feed
never publishes an event twice. Written atomically before a poll publishes
(marking where the topic ended) and after (recording what it published)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


class StateError(ValueError):
    """The state file is unreadable or belongs to another topic."""


@dataclass
class FeedState:
    path: Path
    topic: str
    published: dict[str, str] = field(default_factory=dict)  # event key -> content digest
    dead: dict[str, str] = field(default_factory=dict)  # event key -> why it was dead-lettered
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # url -> etag, ...
    polls: int = 0
    # The topic's end offsets when a poll began publishing, cleared once it is
    # recorded: set at start-up means the last run died in between.
    inflight: dict[str, int] | None = None

    @classmethod
    def load(cls, path: Path, topic: str) -> FeedState:
        if not path.exists():
            return cls(path, topic)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read {path}: {exc}") from None
        if data.get("topic") != topic:
            raise StateError(
                f"{path} records what was published to topic {data.get('topic')!r}, not {topic!r}"
            )
        return cls(
            path,
            topic,
            data.get("published", {}),
            data.get("dead", {}),
            data.get("validators", {}),
            data.get("polls", 0),
            data.get("inflight"),
        )

    def save(self) -> None:
        document = {
            "topic": self.topic,
            "polls": self.polls,
            "published": self.published,
            "dead": self.dead,
            "validators": self.validators,
            "inflight": self.inflight,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w") as handle:
            json.dump(document, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)  # a crash leaves the old file or the new, never half
