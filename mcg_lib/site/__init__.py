"""The static game site: templates rendered into ``exports/<snapshot>/site/`` and a local server.

``mcg site`` (stage function ``mcg_lib.site.stage.run``) builds the site;
``mcg serve`` serves it on loopback with the headers of its ``_headers`` file.
docs/site.md describes the build, the data files and the service worker.
"""
