"""大总体的抽取（仪式的“执行抽取”）作为后台任务：总体超过 `DRAW_BACKGROUND_POPULATION` 户时，
页面把它交给工作进程，任务页显示阶段，完成后转到任务页的抽取部分。抽取本身在一个事务里
（`services.run`），失败时不留下任何结果。
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shuangsui.core import audit
from shuangsui.jobs.registry import JobFailed, register

from . import services


@register("draws.run", "抽取")
def run_job(job, progress):
    user = job.owner
    if user is None or not user.is_active:
        raise JobFailed("提交人的账号已停用，抽取没有进行")
    token = audit.set_actor(user)
    url = None
    try:
        draw = services.get_draw(user, job.params["draw"])
        url = reverse("task-detail", args=[draw.task_id]) + "#draw"
        progress(0, 0, f"按协议计算 {draw.population_count:,} 户的抽取")
        draw = services.run(draw, user)
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages), {"url": url, "link_label": "回到抽取"}) from None
    except PermissionDenied as exc:
        raise JobFailed(str(exc) or "没有权限") from None
    finally:
        audit.reset_actor(token)
    progress(1, 1, "完成")
    return {
        "url": url,
        "redirect": True,
        "link_label": "查看抽取结果",
        "summary": [["入选", draw.selected_count], ["种子", draw.seed[:16] + "…"]],
    }
