"""The private file storage: scans and pending uploads, never under a public URL."""

from django.core.files.storage import FileSystemStorage, storages


class PrivateStorage(FileSystemStorage):
    """Files on disk outside MEDIA_ROOT; they have no URL, a view serves them after a role check."""

    def url(self, name):
        raise ValueError("private files have no public address; serve them through a view")


def private_storage():
    """The storage named ``private`` in ``STORAGES`` (a callable, so tests may swap it)."""
    return storages["private"]
