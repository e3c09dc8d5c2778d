"""The FastAPI host: pages, media route, REST API; create_app() in app.web.host."""
