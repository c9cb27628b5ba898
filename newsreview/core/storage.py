"""Static files storage: whitenoise's compressed, hashed (manifest) storage that still
renders pages when `collectstatic` has not run, so a forgotten step costs missing styles
(and a warning in the log), not a server error on every page."""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Rewrite `import … from "./queue.js"` in our ES modules to the hashed names too, so
    # every module the pages load is cached for ever, not only the ones pages name.
    support_js_module_import_aggregation = True

    def url_converter(self, name: str, hashed_files: dict, template: str | None = None):
        # Only our own modules (js/…): third-party files (django-htmx's extensions import
        # a bare "htmx" they do not ship) are collected as they are, never rewritten.
        converter = super().url_converter(name, hashed_files, template)
        is_module_reference = template is not None and (
            "import" in template or "export" in template
        )
        if name.endswith((".js", ".mjs")) and is_module_reference and not name.startswith("js/"):
            return lambda matched: matched.group("matched")
        return converter

    def url(self, name: str | None, force: bool = False) -> str:
        try:
            return super().url(name, force)
        except ValueError:
            logger.warning("static file %s is not collected: run manage.py collectstatic", name)
            return self._url(lambda n: n, name, force=True)
