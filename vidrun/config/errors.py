"""The error raised for a bad config, and the "did you mean" suggestions every such error carries."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """One or more problems in a config, each naming its key path (and source file where known).

    All problems found in one pass are collected and raised together, so a user fixes a config in one go.
    """

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems in the config:\n" + "\n".join(
                f"  - {p}" for p in self.problems)
        super().__init__(message)


def close_matches(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.75) -> list[str]:
    """The candidates closest to `word` (case-insensitive), best first."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(str(c).lower(), str(c))
    found = difflib.get_close_matches(str(word).lower(), list(by_lower), n=n, cutoff=cutoff)
    return [by_lower[f] for f in found]


def did_you_mean(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.75) -> str:
    """`" (did you mean 'x'?)"`, `" (did you mean 'x' or 'y'?)"`, or `""` when nothing is close."""
    found = close_matches(word, candidates, n=n, cutoff=cutoff)
    if not found:
        return ""
    return " (did you mean " + " or ".join(repr(f) for f in found) + "?)"
