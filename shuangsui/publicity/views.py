"""公开门户（/public/）：无需登录、只读；页面缓存至多 5 分钟，查询按客户端限流。"""

import functools

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from shuangsui.core import audit
from shuangsui.core.lockout import client_ip
from shuangsui.core.paging import paginate
from shuangsui.directory import search
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, FileKind

from . import services

VERIFIER = settings.BASE_DIR / "tools" / "verify_draw.py"


def client_of(request):
    """来源地址：与登录限流同一规则（只有受信任的代理才看 X-Forwarded-For）。"""
    return client_ip(request) or "unknown"


def too_many(request):
    response = render(request, "publicity/429.html", status=429)
    response["Retry-After"] = str(services.WINDOW_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def public_page(view):
    """只读页面：查询（带 q）先限流；同一地址的回答在服务端缓存 5 分钟，并告诉浏览器可缓存。"""

    @require_safe
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.GET.get("q", "").strip() and not services.allow(client_of(request)):
            return too_many(request)
        key = services.cache_key(request.get_full_path())
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response = response.render()
            if response.status_code == 200:
                patch_cache_control(response, public=True, max_age=services.CACHE_SECONDS)
                cache.set(key, response, services.CACHE_SECONDS)
        return response

    return wrapper


@public_page
def items(request):
    page, querystring = paginate(request, services.public_items())
    return render(
        request, "publicity/items.html", {"tab": "items", "page": page, "querystring": querystring}
    )


@public_page
def plans(request):
    page, querystring = paginate(request, services.public_plans())
    return render(
        request, "publicity/plans.html", {"tab": "plans", "page": page, "querystring": querystring}
    )


@public_page
def tasks(request):
    q = request.GET.get("q", "").strip()[:100]
    page, querystring = paginate(request, services.search_tasks(services.public_tasks(), q))
    return render(
        request,
        "publicity/tasks.html",
        {"tab": "tasks", "page": page, "querystring": querystring, "q": q},
    )


@public_page
def task(request, pk):
    found = services.public_task(pk)
    if found is None:
        raise Http404("没有这项公开的任务")
    rows = [(d, services.record_for_everyone(d)) for d in services.public_draws(found)]
    return render(
        request,
        "publicity/task.html",
        {
            "tab": "tasks",
            "task": found,
            "draws": rows,
            "items": found.items.order_by("code"),
            "notices": services.public_publications().filter(task=found),
        },
    )


@public_page
def draw(request, pk, number):
    found = services.public_task(pk)
    the_draw = services.public_draw(found, number) if found else None
    if the_draw is None:
        raise Http404("没有这次抽取")
    labels = services.public_stratum_labels(the_draw)
    context = {
        "tab": "tasks",
        "task": found,
        "draw": the_draw,
        "voided": the_draw.status == DrawStatus.VOIDED,
        "open": services.record_for_everyone(the_draw),
        "credit": the_draw.credit_strata,
        "parties": the_draw.parties.order_by("order"),
        "entropy": draws.entropy_of(the_draw),
        "strata": [(labels[k], v, the_draw.quotas.get(k, 0)) for k, v in the_draw.strata.items()],
        "rows": services.drawn_list(the_draw),
        "record_name": draws.download_name(the_draw, FileKind.PUBLIC_RECORD),
        "population_name": draws.download_name(the_draw, FileKind.PUBLIC_POPULATION),
    }
    return render(request, "publicity/draw.html", context)


@require_safe
def draw_file(request, pk, number, kind):
    found = services.public_task(pk)
    the_draw = services.public_draw(found, number) if found else None
    if the_draw is None or not services.may_download(the_draw, kind):
        raise Http404("没有这个公开文件")
    try:
        data = draws.read_file(the_draw, kind)
    except draws.FileMismatch as exc:
        raise Http404(exc.messages[0]) from exc
    content_type = "application/json" if kind == FileKind.PUBLIC_RECORD else "text/csv"
    response = HttpResponse(data, content_type=f"{content_type}; charset=utf-8")
    name = draws.download_name(the_draw, kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, public=True, max_age=services.CACHE_SECONDS)
    return response


@require_safe
def verifier(request):
    try:
        data = VERIFIER.read_bytes()
    except OSError as exc:
        raise Http404("核验程序不在本机") from exc
    response = HttpResponse(data, content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_draw.py"'
    patch_cache_control(response, public=True, max_age=services.CACHE_SECONDS)
    return response


MIN_QUERY = 2


@public_page
def results(request):
    """抽查结果公告：各批公告；按名称片段（2 个字起）或统一社会信用代码查找公示的结果。"""
    q = request.GET.get("q", "").strip()[:100]
    context = {"tab": "results", "q": q, "error": ""}
    if q and len(q) < MIN_QUERY:
        context["error"] = f"请至少输入 {MIN_QUERY} 个字（名称的任一部分）或统一社会信用代码"
    if q and not context["error"]:
        # 宽泛的名称片段（如“有限”）命中几十万条时不精确计数，页码按名称索引的估计（同名录页）
        rows = services.search_results(q)
        guess = search.estimate(search.clean_query(q))
        page, querystring = paginate(request, rows, per_page=20, estimate=guess)
        context["rows"] = page
    else:
        page, querystring = paginate(request, services.public_publications(), per_page=20)
        context["notices"] = page
    context.update(page=page, querystring=querystring)
    return render(request, "publicity/results.html", context)


@public_page
def notice(request, pk):
    found = services.public_publications().filter(pk=pk).first()
    if found is None:
        raise Http404("没有这份公告")
    rows = found.rows.select_related("replaced_by", "replaced_by__publication").order_by(
        "uid", "item_name"
    )
    return render(
        request,
        "publicity/notice.html",
        {"tab": "results", "notice": found, "rows": rows},
    )


@public_page
def entity(request, uid):
    """主体的公开页：它被抽中的（已公开的）检查、公示的结果与列入经营异常名录的情况。"""
    uid = uid.strip().upper()
    rows = list(services.public_results().filter(uid=uid))
    checks = list(services.public_checks(uid))
    listings = services.public_listings(uid)
    if not rows and not checks and not listings:
        raise Http404("没有这个对象公示的信息")
    name = rows[0].name if rows else checks[0].name if checks else listings[0]["name"]
    return render(
        request,
        "publicity/entity.html",
        {
            "tab": "results",
            "uid": uid,
            "name": name,
            "rows": rows,
            "checks": checks,
            "listings": listings,
        },
    )


@public_page
def checkpoints(request):
    try:
        key = audit.public_key_pem(create=False)
    except Exception:  # 还没有签名密钥
        key = ""
    page, querystring = paginate(request, services.checkpoints())
    return render(
        request,
        "publicity/checkpoints.html",
        {"tab": "checkpoints", "page": page, "querystring": querystring, "public_key": key},
    )
