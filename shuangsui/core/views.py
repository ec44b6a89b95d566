from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from shuangsui.catalog.models import InspectionItem
from shuangsui.directory.models import Entity
from shuangsui.inspections.services import worklist
from shuangsui.inspectors.models import Inspector

from . import audit_labels, scope, services
from .forms import LoginForm, TokenForm
from .models import AuditEvent
from .nexturl import safe_next
from .paging import CountCachingPaginator


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # 限速在认证后端里（django-axes，core/lockout.py）：被锁时 authenticate 返回 None，
        # 中间件把回应换成带中文说明的登录页（HTTP 429）
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, "用户名或密码错误")
        else:
            login(request, user)
            return redirect(safe_next(request, request.GET.get("next"), "home"))
    return render(request, "core/login.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


def _cached_count(queryset):
    return CountCachingPaginator(queryset, 1).count


@login_required
def home(request):
    user = request.user
    unit = scope.root_unit(user)
    counts = {
        "entities": _cached_count(scope.scoped(Entity.objects.all(), user, "directory.view")),
        "inspectors": scope.scoped(Inspector.objects.all(), user, "inspectors.view").count(),
        "items": scope.visible_shared(
            InspectionItem.objects.filter(active=True), user, "catalog.view"
        ).count(),
    }
    if scope.can(user, "work.own") or scope.can(user, "work.station"):
        counts["work"] = worklist(user).count()
    if not scope.capabilities(user):
        messages.warning(request, "您的账号尚未分配单位或角色，请联系系统管理员。")
    from shuangsui.credit.todos import todos as credit_todos
    from shuangsui.followups.todos import todos as followup_todos
    from shuangsui.listings.todos import todos as listing_todos
    from shuangsui.results.todos import todos  # 各阶段的待办由最上层的应用汇总

    items = todos(user) + followup_todos(user) + listing_todos(user) + credit_todos(user)
    return render(request, "core/home.html", {"unit": unit, "counts": counts, "todos": items})


@login_required
def audit_list(request):
    scope.require(request.user, "audit.view")
    events = scope.scoped(AuditEvent.objects.all(), request.user).order_by("-id")
    action = request.GET.get("action", "").strip()
    choices = audit_labels.action_choices()
    if action in dict(choices):
        events = events.filter(action=action)
    elif action:  # 前缀，如 draw. 或 entity.
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = audit_labels.action_label(event.action, event.object_type)
        event.type_label = audit_labels.object_type_label(event.object_type)
    return render(
        request,
        "core/audit_list.html",
        {"page": page, "action": action, "choices": choices, "querystring": _querystring(request)},
    )


def _querystring(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def token_list(request):
    """API 令牌：生成（明文只显示这一次）、查看、停用自己的；系统管理员另见本辖区所有人的。"""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_token(
                request.user,
                request.user,
                form.cleaned_data["name"],
                expires=form.cleaned_data["expires"],
            )
        except ValidationError as exc:
            form.add_error("expires" if form.cleaned_data["expires"] else None, exc)
        else:
            form = TokenForm()
    tokens = services.tokens_for(request.user).order_by("-created", "-id")
    response = render(
        request,
        "core/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new": created[0] if created else None,
            "raw": created[1] if created else None,
            "manager": scope.can(request.user, "users.manage"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(services.tokens_for(request.user), pk=pk)
    services.revoke_token(request.user, token)
    messages.success(request, f"已停用令牌“{token.name}”（{token.prefix}…）")
    return redirect("token-list")
