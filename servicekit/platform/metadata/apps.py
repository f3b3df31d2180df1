"""Typed, immutable views of a validated app.json and manifest.json, for the UI shell and installer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servicekit.platform.metadata.forms import label_text


@dataclass(frozen=True)
class RoleDef:
    """An app role that users are granted and form permissions name."""

    key: str
    label: Any
    description: Any = None

    def label_for(self, locale: str = "zh_CN") -> str:
        return label_text(self.label, locale) or self.key

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleDef:
        return cls(key=data["key"], label=data.get("label"), description=data.get("description"))


@dataclass(frozen=True)
class NavItem:
    """One menu entry of an app: it opens a form's records, a report or a dashboard."""

    key: str
    label: Any
    target_kind: str  # "form", "report" or "dashboard"
    target: str
    icon: str | None = None

    def label_for(self, locale: str = "zh_CN", fallback: Any = None) -> str:
        """The menu text; without its own label, ``fallback`` (the target's label) or the key."""
        return label_text(self.label, locale) or label_text(fallback, locale) or self.key

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NavItem:
        kind = next(k for k in ("form", "report", "dashboard") if k in data)
        return cls(
            key=data["key"],
            label=data.get("label"),
            target_kind=kind,
            target=data[kind],
            icon=data.get("icon"),
        )


@dataclass(frozen=True)
class AppDef:
    """A validated app.json: labels, roles, navigation and settings."""

    key: str
    label: Any
    description: Any = None
    icon: str | None = None
    roles: tuple[RoleDef, ...] = ()
    navigation: tuple[NavItem, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def label_for(self, locale: str = "zh_CN") -> str:
        return label_text(self.label, locale) or self.key

    @property
    def role_keys(self) -> tuple[str, ...]:
        return tuple(role.key for role in self.roles)

    @property
    def timezone(self) -> str:
        """The zone all of the app's logic runs in (``Asia/Shanghai`` unless set)."""
        return str(self.settings.get("timezone") or "Asia/Shanghai")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppDef:
        return cls(
            key=data["key"],
            label=data.get("label"),
            description=data.get("description"),
            icon=data.get("icon"),
            roles=tuple(RoleDef.from_dict(item) for item in data.get("roles", ())),
            navigation=tuple(NavItem.from_dict(item) for item in data.get("navigation", ())),
            settings=dict(data.get("settings", {})),
        )


@dataclass(frozen=True)
class Manifest:
    """A validated manifest.json: which package this is and which platform it needs."""

    key: str
    name: Any
    version: str
    platform: str
    description: Any = None
    author: str | None = None

    def name_for(self, locale: str = "zh_CN") -> str:
        return label_text(self.name, locale) or self.key

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            key=data["key"],
            name=data.get("name"),
            version=data["version"],
            platform=data["platform"],
            description=data.get("description"),
            author=data.get("author"),
        )
