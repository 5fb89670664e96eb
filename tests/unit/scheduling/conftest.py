"""Make the ``scheduling`` package importable from ``services/`` when the project is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
for _path in (_ROOT / "services", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
