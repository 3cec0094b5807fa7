"""Chapter configurations: a profile's settings, the reader's overrides, validated into one frozen object.

A chapter declares its settings once, as a :class:`ConfigSpec` (in ``thermo_utils/chapters/SLUG/config.py``).
The notebook's parameters cell passes the profile, the seed and any overrides; :meth:`ConfigSpec.resolve`
checks every value before any work starts and says which parameter is wrong and what range it allows.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from thermo_utils.harness.registry import PROFILES
from thermo_utils.harness.sweep import executor_problem


class ConfigError(ValueError):
    """A chapter parameter is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Field:
    """One setting of a chapter. ``kind`` is int, float, str, bool or tuple (of ``item``)."""

    name: str
    kind: type
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    item: type | None = None
    min_len: int = 1

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(map(repr, self.choices))
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        what = (self.item or self.kind).__name__
        if self.kind is tuple:
            return f"a list of at least {self.min_len} {what} values, each in [{lo}, {hi}]"
        if self.kind in (int, float):
            return f"{what} in [{lo}, {hi}]"
        return what

    def check(self, value: Any) -> Any:
        """Return the value, normalised (ints to floats, lists to tuples), or raise ConfigError."""
        if self.kind is tuple:
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                raise self._error(value)
            if len(value) < self.min_len:
                raise self._error(value)
            return tuple(self._scalar(v, self.item or float, whole=value) for v in value)
        return self._scalar(value, self.kind, whole=value)

    def _scalar(self, value: Any, kind: type, whole: Any) -> Any:
        if kind is bool:
            if not isinstance(value, bool):
                raise self._error(whole)
            return value
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise self._error(whole)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._error(whole)
            value = float(value)
            if not math.isfinite(value):
                raise self._error(whole)
        elif kind is str:
            if not isinstance(value, str):
                raise self._error(whole)
        if self.choices is not None and value not in self.choices:
            raise self._error(whole)
        if kind in (int, float):
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                raise self._error(whole)
        return value

    def _error(self, value: Any) -> ConfigError:
        return ConfigError(f"parameter {self.name!r} = {value!r} is invalid: expected {self.allowed()}")


class ConfigSpec:
    """The settings of one chapter and their values at each profile.

    ``checks`` are functions of the resolved config returning an error message (or None) for rules that
    tie several parameters together, such as a batch no larger than the training set.
    """

    def __init__(
        self,
        chapter: str,
        fields: Sequence[Field],
        profiles: dict[str, dict[str, Any]],
        checks: Sequence[Callable[[Any], str | None]] = (),
    ):
        self.chapter = chapter
        self.fields = {f.name: f for f in fields}
        missing = [p for p in PROFILES if p not in profiles]
        if missing:
            raise ValueError(f"{chapter}: no settings for profiles {missing}")
        for name, values in profiles.items():
            unknown = set(values) - set(self.fields)
            lacking = set(self.fields) - set(values)
            if unknown or lacking:
                raise ValueError(f"{chapter}/{name}: unknown {sorted(unknown)}, missing {sorted(lacking)}")
        self.profiles = profiles
        self.checks = tuple(checks)
        self._cls = dataclasses.make_dataclass(
            f"{chapter.title().replace('_', '')}Config",
            [("profile", str), ("seed", int)] + [(f.name, Any) for f in fields],
            frozen=True,
            namespace={"as_dict": lambda self: dataclasses.asdict(self), "chapter": chapter},
        )

    def resolve(self, profile: str = "classroom", seed: int = 0, **overrides: Any):
        """The frozen config for ``profile``, with every non-None override applied and validated."""
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise ConfigError(f"parameter 'seed' = {seed!r} is invalid: expected int in [0, 4294967295]")
        unknown = set(overrides) - set(self.fields)
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {sorted(unknown)} for chapter {self.chapter!r}; "
                f"valid: {', '.join(self.fields)}"
            )
        values = dict(self.profiles[profile])
        values.update({k: v for k, v in overrides.items() if v is not None})
        checked = {name: self.fields[name].check(value) for name, value in values.items()}
        config = self._cls(profile=profile, seed=seed, **checked)
        changed = {k: checked[k] for k in overrides if overrides[k] is not None and checked[k] != self.profiles[profile][k]}
        object.__setattr__(config, "overrides", changed)  # what the reader changed, for stamps
        for rule in self.checks:
            message = rule(config)
            if message:
                raise ConfigError(f"{self.chapter}: {message}")
        if "executor" in self.fields:  # every chapter that sweeps: a scheduler nobody answers fails here
            message = executor_problem(config.executor)
            if message:
                raise ConfigError(f"{self.chapter}: {message}")
        return config

    def resolve_from(self, namespace: dict):
        """Resolve from a notebook's variables: ``profile``, ``seed`` and any parameter of the chapter."""
        overrides = {name: namespace[name] for name in self.fields if name in namespace}
        return self.resolve(namespace.get("profile", "classroom"), namespace.get("seed", 0), **overrides)

    def parameters_cell(self) -> str:
        """The source of the notebook's parameters cell: every field, typed, with its doc as the comment.

        ``Optional[...] = None`` means "the profile's value"; papermill's ``--help-notebook`` reads these lines
        (it skips PEP 604 unions, hence ``Optional``).
        """
        names = {int: "int", float: "float", str: "str", bool: "bool", tuple: "list"}
        rows = [('profile: str = "classroom"', "smoke | classroom | paper"),
                ("seed: int = 0", "base seed of every random generator in the chapter")]
        rows += [(f"{f.name}: Optional[{names[f.kind]}] = None", f"{f.doc} ({f.allowed()})") for f in self.fields.values()]
        width = max(len(code) for code, _ in rows) + 2
        return "from typing import Optional\n\n" + "\n".join(f"{code:<{width}}# {doc}" for code, doc in rows)

    def describe(self) -> str:
        """A table of the parameters, their allowed ranges and their value at each profile (for the docs)."""
        lines = ["| parameter | allowed | " + " | ".join(PROFILES) + " | meaning |", "|---" * (len(PROFILES) + 3) + "|"]
        for f in self.fields.values():
            cells = [str(self.profiles[p][f.name]) for p in PROFILES]
            lines.append(f"| `{f.name}` | {f.allowed()} | " + " | ".join(cells) + f" | {f.doc} |")
        return "\n".join(lines)
