"""Kubernetes manifests for Strimzi, CloudNativePG and KEDA, generated from the contracts."""

from werkplaats.manifests.render import GENERATED_FILES, render_all, stale_files

__all__ = ["GENERATED_FILES", "render_all", "stale_files"]
