"""The Gradio UI, mounted by the FastAPI host at /ui behind its own login (see app.web.host).

It calls the same services as the REST API with the user of the host's session cookie; images are shown
from the host's ownership-checked /media route, never from Gradio's file cache.
"""

from app.ui.layout import build_ui

__all__ = ["build_ui"]
