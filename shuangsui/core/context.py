from django.conf import settings

from . import scope


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "caps": scope.capabilities(user) if user is not None and user.is_authenticated else set(),
    }
