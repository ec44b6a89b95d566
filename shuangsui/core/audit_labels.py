"""审计事件的中文名称：动作（如 task.approved → 批准抽查任务）与对象类型（plans.task → 抽查任务）。

事件里存的仍是点分的机器名（哈希覆盖它，改不得）；这里只管页面上怎么读。
新的语义动作在 ACTIONS 里加一行；模型的自动留痕（<模型>.created/updated/deleted）和
导入（<模型>.imported/import_failed）按模型的 verbose_name 自动得名。
"""

from django.apps import apps

ACTIONS = {
    "user.login": "登录",
    "user.logout": "退出登录",
    "user.login_failed": "登录失败",
    "user.login_throttled": "登录被拒（锁定期内）",
    "user.locked_out": "登录锁定（失败次数达到上限）",
    "user.created": "新建用户",
    "user.edited": "修改用户（姓名、单位、角色）",
    "user.password_reset": "重置密码",
    "user.password_changed": "修改本人密码",
    "user.deactivated": "停用账号",
    "user.reactivated": "恢复账号",
    "unit.created": "新建单位",
    "unit.renamed": "单位改名",
    "plan.created": "创建年度计划",
    "plan.edited": "修改年度计划",
    "plan.filed": "年度计划备案",
    "task.created": "创建抽查任务",
    "task.edited": "修改抽查任务",
    "task.approved": "批准抽查任务",
    "task.reopened": "撤回抽查任务的批准",
    "draw.frozen": "冻结抽取名单",
    "draw.committed": "提交承诺",
    "draw.revealed": "揭示秘密值",
    "draw.reveal_failed": "揭示失败（与承诺不符）",
    "draw.public_value": "加入公开随机值",
    "draw.completed": "执行抽取",
    "draw.void_requested": "申请作废抽取",
    "draw.voided": "批准作废抽取",
    "draw.void_rejected": "驳回作废申请",
    "inspection.dispatched": "派发检查",
    "credit.confirmed": "确认信用风险分类调整",
    "credit.rejected": "驳回信用风险分类调整建议",
    "assignment.direct": "直接指派检查人员",
    "assignment.cross_region": "跨区域匹配检查人员",
    "assignment.reassigned": "重新匹配检查人员",
    "assignment.extra": "增加检查组成员",
    "inspection.replaced": "以备选对象替换检查对象",
    "inspection.status": "检查对象状态变更",
    "result.saved": "保存检查结果草稿",
    "result.submitted": "提交检查结果",
    "result.approved": "审核通过检查结果",
    "result.returned": "退回检查结果",
    "result.corrected": "更正检查结果（新版本）",
    "publication.published": "发布抽查结果公告",
    "publication.withdrawn": "撤回公示的检查结果",
    "withholding.requested": "申请依法不予公示",
    "withholding.approved": "批准依法不予公示",
    "withholding.rejected": "不批准依法不予公示",
    "attachment.removed": "删除检查材料",
    "task.completed": "抽查任务完成",
    "followup.recorded": "登记后续处置措施",
    "followup.decision": "登记行政处罚决定书文号",
    "followup.rechecked": "登记责令改正复查",
    "followup.closed": "后续处置完结",
    "dossier.downloaded": "下载立卷归档",
    "mailing.sent": "登记邮寄告知书",
    "mailing.restarted": "重新开始两次邮寄（首次退回过晚）",
    "mailing.outcome": "登记邮寄结果",
    "demo.loaded": "生成演示数据",
}

VERBS = {
    "created": "新建{}",
    "updated": "修改{}",
    "deleted": "删除{}",
    "imported": "导入{}",
    "import_failed": "导入{}失败",
}

OBJECT_TYPES = {"core.demo": "演示数据"}

# 自动留痕与导入的动作前缀 → 模型（动作名用模型名，对象类型用 app.模型）
_IMPORTED = {
    "entity": "directory.entity",
    "inspector": "inspectors.inspector",
    "item": "catalog.inspectionitem",
}


def object_type_label(object_type):
    """对象类型的中文名；不认识时原样返回。"""
    if object_type in OBJECT_TYPES:
        return OBJECT_TYPES[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def action_label(action, object_type=""):
    """动作的中文名；不认识时原样返回。"""
    if action in ACTIONS:
        return ACTIONS[action]
    prefix, _, verb = action.partition(".")
    if verb in VERBS:
        model = _IMPORTED.get(prefix) if verb in ("imported", "import_failed") else None
        what = object_type_label(model or object_type) if (model or object_type) else ""
        if what and what != (model or object_type):
            return VERBS[verb].format(what)
    return action


def audited_models():
    return [m for m in apps.get_models() if getattr(m, "audited", False)]


def action_choices():
    """筛选用的动作列表：[(机器名, 中文名)]，按中文名分组排列。"""
    choices = dict(ACTIONS)
    for model in audited_models():
        for verb in ("created", "updated", "deleted"):
            action = f"{model._meta.model_name}.{verb}"
            choices.setdefault(action, action_label(action, model._meta.label_lower))
    for prefix, label in _IMPORTED.items():
        for verb in ("imported", "import_failed"):
            choices.setdefault(f"{prefix}.{verb}", action_label(f"{prefix}.{verb}", label))
    return sorted(choices.items(), key=lambda kv: kv[0])
