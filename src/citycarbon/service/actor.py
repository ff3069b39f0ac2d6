"""Who is acting: the user behind a request or a CLI command, with what access needs."""

from __future__ import annotations

from dataclasses import dataclass

from citycarbon.service.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user as the service layer sees them.

    ``region_path`` is the materialised path of the user's region (district officials);
    ``enterprise_id`` the enterprise an enterprise reporter reports for.
    """

    username: str
    role: Role
    user_id: int | None = None
    region_code: str | None = None
    region_path: str | None = None
    enterprise_id: int | None = None

    @property
    def label(self) -> str:
        return self.username


# The operator of a local (embedded) database acting through the CLI without --user: whoever
# can write the database file already holds every right, so the CLI says so in the audit log.
LOCAL_ADMIN = Actor(username="local-admin", role=Role.ADMIN)
PUBLIC = Actor(username="public", role=Role.PUBLIC)
