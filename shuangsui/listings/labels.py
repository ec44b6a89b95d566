"""本阶段审计动作的中文名（在 AppConfig.ready 里并入 core.audit_labels.ACTIONS）。"""

ACTIONS = {
    "listing.proposed": "提请列入经营异常名录",
    "listing.reminded": "登记列异前提醒（电话或短信）",
    "listing.reviewed": "所长审核同意列异",
    "listing.approved": "局审批列入经营异常名录",
    "listing.rejected": "不予列入经营异常名录",
    "publish_order.issued": "责令限期公示",
    "publish_order.fulfilled": "登记已按期公示",
    "publish_order.overdue": "逾期未公示，提请列异",
    "removal.applied": "申请移出经营异常名录（信用修复）",
    "removal.reviewed": "所长审核同意移出",
    "removal.approved": "局审批移出经营异常名录",
    "removal.rejected": "不予移出经营异常名录",
}
