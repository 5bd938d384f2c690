"""The installable app: manifest, service worker, offline page and the offline capture shell."""
