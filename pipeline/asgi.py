"""The ASGI entry point for servers: settings from the environment, read once."""

from pipeline.app import create_app
from pipeline.config import load_settings

app = create_app(load_settings())
