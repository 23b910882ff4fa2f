from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.captcha import captcha_new, captcha_render
from accounts.forms import ProfileForm
from accounts.models import Profile
from accounts.services import profile_save


@never_cache
def captcha_image(request):
    """A fresh CAPTCHA image; its answer replaces the previous one in the session."""
    return HttpResponse(captcha_render(captcha_new(request.session)), content_type="image/png")


@login_required
def profile_edit(request):
    profile = Profile.objects.filter(user=request.user).first()
    initial = {}
    if profile:
        initial = {
            f: getattr(profile, f)
            for f in ("full_name", "birth_year", "id_number", "gender", "address", "unit")
        }
    form = ProfileForm(request.POST or None, initial=initial, profile=profile)
    if request.method == "POST" and form.is_valid():
        profile_save(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Đã lưu thông tin cá nhân."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
