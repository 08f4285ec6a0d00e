"""The link builder: the absolute addresses that texts send people to.

Use cases build links through ``settings.links`` and never import the page routes;
``camshare.routes`` keeps the route constants and paths, this module puts them under the
public address.
"""

from __future__ import annotations

from dataclasses import dataclass

from camshare import routes


@dataclass(frozen=True)
class Links:
    """Absolute links under ``public_base_url`` (the address users and Twilio reach)."""

    public_base_url: str

    def absolute(self, path: str) -> str:
        """``path`` under the public address."""
        return f"{self.public_base_url.rstrip('/')}/{path.lstrip('/')}"

    def owner_answer(self, token: str) -> str:
        """Where an owner answers a police request: the link in their SMS."""
        return self.absolute(routes.owner_answer_path(token))

    def reconsent(self, token: str) -> str:
        """Where an owner reads a new agreement version and accepts it again."""
        return self.absolute(routes.reconsent_path(token))

    def reconfirm(self, token: str) -> str:
        """Where an owner confirms with one tap that they still have their cameras."""
        return self.absolute(routes.reconfirm_path(token))

    def footage_upload(self, token: str) -> str:
        """Where an owner who approved sends their footage."""
        return self.absolute(routes.footage_upload_path(token))

    def request_board(self, request_id: int) -> str:
        """A request's live board, for staff."""
        return self.absolute(routes.request_board_path(request_id))
