"""用户与单位管理的页面（系统管理员），以及本人修改密码。工作流在 services.py。"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .choices import Role
from .forms import (
    NewUserForm,
    OwnPasswordForm,
    RenameUnitForm,
    ResetPasswordForm,
    UnitForm,
    UserForm,
)


def _form_errors(form, exc):
    """服务的 ValidationError 放到对应字段旁（没有该字段的放在表单顶部）。"""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _no_store(response):
    response["Cache-Control"] = "no-store"  # 页面上有一次性密码
    return response


@login_required
def user_list(request):
    users = services.managed_users(request.user).order_by("unit__path", "username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(last_name__icontains=q) | Q(first_name__icontains=q)
        )
    unit = request.GET.get("unit", "").strip()
    if unit.isdigit():
        users = users.filter(unit_id=int(unit))
    state = request.GET.get("state", "")
    if state in ("active", "inactive"):
        users = users.filter(is_active=(state == "active"))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/manage_users.html",
        {
            "page": page,
            "q": q,
            "unit": unit,
            "state": state,
            "units": services.managed_units(request.user),
            "querystring": urlencode(
                {k: v for k, v in (("q", q), ("unit", unit), ("state", state)) if v}
            ),
        },
    )


@login_required
def user_new(request):
    units = services.managed_units(request.user)
    form = NewUserForm(request.POST or None, units=units, initial={"role": Role.INSPECTOR})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = services.create_user(request.user, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _no_store(
                render(
                    request,
                    "core/manage_password.html",
                    {"target": user, "raw": generated, "new": True},
                )
            )
    return render(request, "core/manage_user_form.html", {"form": form, "new": True})


def _managed(request, pk):
    return get_object_or_404(services.managed_users(request.user), pk=pk)


@login_required
def user_edit(request, pk):
    target = _managed(request, pk)
    units = services.managed_units(request.user)
    initial = {
        "last_name": target.last_name,
        "first_name": target.first_name,
        "unit": target.unit,
        "role": target.role,
        "phone": target.phone,
    }
    form = UserForm(request.POST or None, units=units, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_user(request.user, target, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已保存用户“{target.username}”")
            return redirect("manage-user-edit", pk=target.pk)
    return render(
        request,
        "core/manage_user_form.html",
        {
            "form": form,
            "target": target,
            "reset_form": ResetPasswordForm(),
            "self_edit": target.pk == request.user.pk,
        },
    )


@login_required
@require_POST
def user_reset_password(request, pk):
    target = _managed(request, pk)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            generated = services.reset_password(request.user, target, form.cleaned_data["password"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _no_store(
                render(request, "core/manage_password.html", {"target": target, "raw": generated})
            )
    units = services.managed_units(request.user)
    edit = UserForm(
        units=units,
        editing=True,
        initial={
            "unit": target.unit,
            "role": target.role,
            "last_name": target.last_name,
            "first_name": target.first_name,
            "phone": target.phone,
        },
    )
    return render(
        request,
        "core/manage_user_form.html",
        {
            "form": edit,
            "target": target,
            "reset_form": form,
            "self_edit": target.pk == request.user.pk,
        },
        status=400,
    )


@login_required
@require_POST
def user_set_active(request, pk):
    target = _managed(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(request.user, target, active)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{'恢复' if active else '停用'}账号“{target.username}”")
    return redirect("manage-user-edit", pk=target.pk)


@login_required
def unit_list(request):
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已新建“{unit.name}”（代码 {unit.code}）")
            return redirect("manage-units")
    county = services.county_of(request.user)
    tree = services.unit_tree(request.user)
    return render(request, "core/manage_units.html", {"form": form, "county": county, "tree": tree})


@login_required
def unit_rename(request, pk):
    unit = get_object_or_404(services.managed_units(request.user), pk=pk)
    form = RenameUnitForm(
        request.POST or None, initial={"name": unit.name, "short_name": unit.short_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_unit(request.user, unit, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已保存“{unit.name}”")
            return redirect("manage-units")
    return render(request, "core/manage_unit_form.html", {"form": form, "unit": unit})


@login_required
def password_change(request):
    """本人修改密码；管理员重置后登录的用户先到这里。"""
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(request.user, form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict.get("password", exc.messages))
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("home")
    return render(request, "core/password_change.html", {"form": form})
