from django.conf import settings


def site(request) -> dict:
    """Header and footer identity of the portal."""
    return {
        "SITE_ORGANIZER_NAME": settings.SITE_ORGANIZER_NAME,
        "SITE_CONTACT": settings.SITE_CONTACT,
    }
