"""Who may do what: viewers read; editors load, roll back and publish. Pure rules, no Streamlit.

Editors are named in the settings by e-mail address (``officer@harrow.gov.uk``) or by domain
(``@harrow.gov.uk``). With no sign-in configured the app runs in *local mode*: one local user, an editor,
and every page says so. In public mode everyone is an anonymous viewer of published quarters only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"


@dataclass(frozen=True)
class User:
    name: str
    email: str | None
    role: Role
    signed_in: bool
    local_mode: bool = False

    @property
    def is_editor(self) -> bool:
        return self.role is Role.EDITOR

    def may(self, needed: Role) -> bool:
        return needed is Role.VIEWER or self.is_editor


LOCAL_USER = User("Local user", None, Role.EDITOR, signed_in=False, local_mode=True)
PUBLIC_USER = User("Public", None, Role.VIEWER, signed_in=False)


def role_for(email: str | None, editors: tuple[str, ...]) -> Role:
    """Editor if the address, or its ``@domain``, is listed; viewer otherwise."""
    if not email:
        return Role.VIEWER
    address = email.strip().lower()
    domain = "@" + address.rsplit("@", 1)[-1] if "@" in address else None
    for entry in editors:
        entry = entry.strip().lower()
        if entry == address or (entry.startswith("@") and entry == domain):
            return Role.EDITOR
    return Role.VIEWER


def resolve_user(
    *,
    auth_configured: bool,
    public_mode: bool,
    logged_in: bool,
    email: str | None,
    name: str | None,
    editors: tuple[str, ...],
) -> User | None:
    """The user for this session, or None when sign-in is needed first."""
    if public_mode:
        return PUBLIC_USER
    if not auth_configured:
        return LOCAL_USER
    if not logged_in:
        return None
    return User(name or email or "Signed-in user", email, role_for(email, editors), signed_in=True)
