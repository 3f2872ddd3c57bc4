"""The ASGI entry point `pipeline serve` gives its workers.

Settings come from the environment, as for any server, except that the workers only read the
search index: the serve command's one indexing process applies the change log to it. Each
worker gives the memory it frees back to the system (`pipeline.allocator`).
"""

from pipeline.allocator import return_freed_memory
from pipeline.app import create_app
from pipeline.config import load_settings

return_freed_memory()
app = create_app(load_settings(index_in_server=False))
