"""The installable app: manifest, service worker, offline page and the coach's app shell."""
