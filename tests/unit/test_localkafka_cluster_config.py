"""The local cluster's configuration: a static quorum of every node, three replicas, two in sync."""

from __future__ import annotations

from pathlib import Path

from contracts.topics import TopicSpec
from werkplaats.broker import bootstrap_list
from werkplaats.localkafka.cluster_config import (
    NodeConfig,
    cluster_properties,
    min_insync_replicas,
    render_cluster_properties,
    replication_factor,
)
from werkplaats.topics_admin import topic_config


def nodes(tmp_path: Path, count: int = 3) -> list[NodeConfig]:
    return [NodeConfig(n, tmp_path / f"node-{n}", 9191 + n, 9291 + n) for n in range(1, count + 1)]


def test_each_node_names_itself_and_votes_with_all(tmp_path: Path) -> None:
    three = nodes(tmp_path)
    second = cluster_properties(three[1], three)
    assert second["node.id"] == "2"
    assert second["controller.quorum.voters"] == "1@127.0.0.1:9292,2@127.0.0.1:9293,3@127.0.0.1:9294"
    assert "controller.quorum.bootstrap.servers" not in second
    assert second["listeners"] == "PLAINTEXT://127.0.0.1:9193,CONTROLLER://127.0.0.1:9293"
    assert second["log.dirs"] == str(tmp_path / "node-2" / "kraft-logs")


def test_three_nodes_keep_three_replicas_and_need_two_in_sync(tmp_path: Path) -> None:
    three = nodes(tmp_path)
    properties = cluster_properties(three[0], three)
    for key in ("default.replication.factor", "offsets.topic.replication.factor"):
        assert properties[key] == "3"
    for key in ("min.insync.replicas", "transaction.state.log.min.isr"):
        assert properties[key] == "2"
    assert properties["unclean.leader.election.enable"] == "false"


def test_two_nodes_keep_two_replicas_and_need_one(tmp_path: Path) -> None:
    two = nodes(tmp_path, 2)
    properties = cluster_properties(two[0], two)
    assert properties["default.replication.factor"] == "2"
    assert properties["min.insync.replicas"] == "1"


def test_replicas_are_the_brokers_at_most_three() -> None:
    assert [replication_factor(n) for n in (1, 2, 3, 5)] == [1, 2, 3, 3]
    assert [min_insync_replicas(n) for n in (1, 2, 3, 5)] == [1, 1, 2, 2]


def test_rendered_properties_say_what_wrote_them(tmp_path: Path) -> None:
    three = nodes(tmp_path)
    text = render_cluster_properties(three[2], three)
    assert text.startswith("# Written by `werkplaats kafka start --brokers 3`")
    assert "\nnode.id=3\n" in text


def test_topics_with_three_replicas_need_two_in_sync_unless_they_say_otherwise() -> None:
    spec = TopicSpec("t", 3, {"cleanup.policy": "compact"})
    assert topic_config(spec, 3) == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
    assert topic_config(spec, 1) == {"cleanup.policy": "compact"}
    own = TopicSpec("t", 3, {"min.insync.replicas": "3"})
    assert topic_config(own, 3) == {"min.insync.replicas": "3"}


def test_a_bootstrap_list_is_split_into_addresses() -> None:
    assert bootstrap_list("127.0.0.1:9192, 127.0.0.1:9193,127.0.0.1:9194") == [
        "127.0.0.1:9192",
        "127.0.0.1:9193",
        "127.0.0.1:9194",
    ]
    assert bootstrap_list("127.0.0.1:9092") == ["127.0.0.1:9092"]
